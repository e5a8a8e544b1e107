/*
 * The planner: availability -> reserve -> confirm -> code.
 *
 * The page does not know how many locations the server has, so it asks
 * availability for location 0, 1, ... until the server answers 400 (an
 * unknown location), at most MAX_LOCATIONS times.
 */
"use strict";

(() => {
  const MAX_LOCATIONS = 64;
  const RANGE_DAYS = 14;
  const { call, addDays, formatDate, el, showMessage, clearMessage, bookingList } = slotbook;

  const $ = (id) => document.getElementById(id);
  const form = $("search"), locationSelect = $("location"), fromInput = $("from");
  const bsnInput = $("bsn"), daysList = $("days"), rangeText = $("range");
  const errorBox = $("error");
  const holdSection = $("hold"), heldBox = $("held");
  const confirmButton = $("confirm"), cancelButton = $("cancel");
  const doneSection = $("done"), codeOut = $("code"), bookedBox = $("booked");
  let loads = 0; /* availability requests made; only the latest is shown */

  function fail(answer) {
    showMessage(errorBox, "bad", answer.error || "Something went wrong.", "", answer.status);
    errorBox.scrollIntoView({ block: "nearest" });
  }

  /* The BSN as typed, without spaces or dots; null (and an error shown) if
   * it is not 9 digits.  The 11-check is the server's to make. */
  function readBsn() {
    const bsn = bsnInput.value.replace(/[\s.]/g, "");
    if (!/^[0-9]{9}$/.test(bsn)) {
      showMessage(errorBox, "bad", "Enter your BSN: 9 digits.");
      bsnInput.focus();
      return null;
    }
    return bsn;
  }

  /* The server marks a closed location with "open": false on availability;
   * SB_CLOSED is read the same way should it refuse instead. */
  function isClosed(answer) {
    return answer.open === false || answer.status === "SB_CLOSED";
  }

  async function findLocations() {
    const from = fromInput.value;
    const options = [];
    for (let l = 0; l < MAX_LOCATIONS; l++) {
      const a = await call("GET", `/api/availability?location=${l}&from=${from}&to=${from}`);
      if (a.http === 400 || a.status === "network") break;
      const closed = isClosed(a) ? " (closed)" : "";
      options.push(el("option", { value: String(l) }, `Location ${l}${closed}`));
    }
    if (options.length > 0) locationSelect.replaceChildren(...options);
  }

  async function loadDays() {
    clearMessage(errorBox);
    const from = fromInput.value;
    const to = addDays(from, RANGE_DAYS - 1);
    if (!to) {
      showMessage(errorBox, "bad", "Pick a valid from date.");
      return;
    }
    const location = locationSelect.value;
    const asked = ++loads;
    const a = await call("GET", `/api/availability?location=${location}&from=${from}&to=${to}`);
    if (asked !== loads) return; /* a later load (another choice) wins */
    /* near the horizon's end the server lists fewer days: a.to says which */
    rangeText.textContent = `Location ${location}, ${formatDate(from)} to ${formatDate(a.to || to)}:`;
    daysList.replaceChildren();
    if (!a.ok && !isClosed(a)) {
      fail(a);
      return;
    }
    if (isClosed(a)) {
      daysList.append(el("li", { class: "empty" }, "This location is closed for booking."));
      return;
    }
    showDays(a.days || []);
  }

  function showDays(days) {
    const manyWindows = days.some((d) => d.window > 0);
    const free = days.filter((d) => d.free > 0);
    if (free.length === 0) {
      daysList.append(el("li", { class: "empty" }, "No free places in these days."));
      return;
    }
    for (const d of free) {
      const label = manyWindows ? `${formatDate(d.date)}, window ${d.window}` : formatDate(d.date);
      const button = el("button", {
        type: "button", "data-date": d.date, "data-window": String(d.window),
      }, el("span", { class: "date" }, label),
         el("span", { class: "free" }, `${d.free} free`));
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => reserve(button, d));
      daysList.append(el("li", {}, button));
    }
  }

  async function reserve(button, day) {
    clearMessage(errorBox);
    const bsn = readBsn();
    if (bsn === null) return;
    const a = await call("POST", "/api/reserve", {
      bsn, location: Number(locationSelect.value), date: day.date, window: day.window,
    });
    if (!a.ok) {
      fail(a);
      return;
    }
    for (const b of daysList.querySelectorAll("button")) b.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", "true");
    heldBox.replaceChildren(bookingList(a.booking));
    doneSection.hidden = true;
    holdSection.hidden = false;
    confirmButton.disabled = false;
    confirmButton.focus();
  }

  async function confirm() {
    clearMessage(errorBox);
    const bsn = readBsn();
    if (bsn === null) return;
    confirmButton.disabled = true;
    const a = await call("POST", "/api/confirm", { bsn });
    if (!a.ok) {
      confirmButton.disabled = false;
      fail(a);
      return;
    }
    holdSection.hidden = true;
    codeOut.textContent = a.code;
    bookedBox.replaceChildren(bookingList(a.booking));
    doneSection.hidden = false;
    doneSection.scrollIntoView({ block: "nearest" });
  }

  async function cancel() {
    clearMessage(errorBox);
    const bsn = readBsn();
    if (bsn === null) return;
    const a = await call("POST", "/api/cancel", { bsn });
    if (!a.ok) {
      fail(a);
      return;
    }
    holdSection.hidden = true;
    await loadDays();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    loadDays();
  });
  locationSelect.addEventListener("change", loadDays);
  confirmButton.addEventListener("click", confirm);
  cancelButton.addEventListener("click", cancel);

  /* The page is ready for use (and for the browser test) once the location
   * list is known; data-ready on <body> says so. */
  findLocations().finally(() => {
    document.body.dataset.ready = "1";
  });
})();
