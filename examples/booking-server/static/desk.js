/*
 * The desk: verify a code for a BSN, then redeem it.  The token is kept in
 * sessionStorage so that it survives a reload but not the closing of the
 * tab.  SB_WRONG_HOLDER (a genuine code shown with another person's BSN) is
 * the case the desk exists for, so it gets its own plain words.
 */
"use strict";

(() => {
  const TOKEN_KEY = "slotbook.token";
  const { call, el, showMessage, clearMessage, bookingList } = slotbook;

  const $ = (id) => document.getElementById(id);
  const tokenInput = $("token"), codeInput = $("desk-code"), bsnInput = $("desk-bsn");
  const verifyButton = $("verify"), redeemButton = $("redeem"), clearButton = $("clear");
  const form = $("check"), result = $("result");

  /* What each failure status means to the person at the desk. */
  const MEANING = {
    SB_WRONG_HOLDER: ["Resold or copied code",
      "The code is genuine but was issued to another BSN. Do not let them in."],
    SB_FORGED: ["Not a valid code", "Check the code for typing errors."],
    SB_USED: ["Already used", "This code was redeemed before."],
    SB_CANCELLED: ["Cancelled booking", "The booking behind this code was cancelled."],
    SB_INVALID_ID: ["Invalid BSN", "The BSN fails the 11-check or is out of range."],
    unauthorized: ["Token refused", "Enter the desk token given by the administrator."],
  };

  function input() {
    return {
      code: codeInput.value.trim(),
      bsn: bsnInput.value.replace(/[\s.]/g, ""),
    };
  }

  function showFailure(a) {
    const [title, detail] = MEANING[a.status] || ["Refused", ""];
    showMessage(result, "bad", title, detail || a.error, a.status + (detail ? ": " + a.error : ""));
  }

  async function desk(action) {
    clearMessage(result);
    const body = input();
    if (!body.code || !/^[0-9]{9}$/.test(body.bsn)) {
      showMessage(result, "bad", "Enter the code and a 9-digit BSN.");
      return;
    }
    verifyButton.disabled = redeemButton.disabled = true;
    try {
      const a = await call("POST", "/api/desk/" + action, body, tokenInput.value.trim());
      if (!a.ok) {
        showFailure(a);
        return;
      }
      if (action === "verify") {
        showMessage(result, "good", "Valid booking", "The code belongs to this BSN.");
        if (a.booking) result.append(bookingList(a.booking));
      } else {
        showMessage(result, "good", "Redeemed", "Let them in. The code cannot be used again.");
      }
    } finally {
      verifyButton.disabled = redeemButton.disabled = false;
    }
  }

  tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || "";
  tokenInput.addEventListener("input", () => {
    sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
  });
  redeemButton.addEventListener("click", () => desk("redeem"));
  /* Verify is the form's submit button, so Enter in either field verifies. */
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    desk("verify");
  });
  clearButton.addEventListener("click", () => {
    codeInput.value = bsnInput.value = "";
    clearMessage(result);
    codeInput.focus();
  });
  document.body.dataset.ready = "1";
})();
