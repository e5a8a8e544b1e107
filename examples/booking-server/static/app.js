/*
 * Shared by the planner and the desk: one JSON call helper and a few
 * formatting helpers.  Every answer of the server is JSON with "ok"; a
 * failure carries "status" (the slotbook status name) and "error" (a
 * sentence), which the pages show as they are.
 */
"use strict";

const slotbook = (() => {
  /* Calls the API; resolves to the parsed body with "ok" always present.
   * A network failure or a non-JSON answer becomes a failure body too, so
   * callers have one shape to handle. */
  async function call(method, path, body, token) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (token) init.headers["Authorization"] = "Bearer " + token;
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      return { ok: false, status: "network", error: "The server could not be reached." };
    }
    try {
      const answer = await response.json();
      answer.http = response.status;
      return answer;
    } catch (err) {
      return { ok: false, status: "bad_answer", http: response.status,
               error: "The server answered HTTP " + response.status + " without JSON." };
    }
  }

  /* "2022-09-03" plus n days, in UTC so that no time zone shifts the day. */
  function addDays(date, n) {
    const t = Date.parse(date + "T00:00:00Z");
    if (Number.isNaN(t)) return null;
    return new Date(t + n * 86400000).toISOString().slice(0, 10);
  }

  const dayFormat = new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
  });

  function formatDate(date) {
    const t = Date.parse(date + "T00:00:00Z");
    return Number.isNaN(t) ? date : dayFormat.format(new Date(t));
  }

  /* Builds an element with text; children are appended in order. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("data-")) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  /* Fills a .message box: title, optional detail, optional status name. */
  function showMessage(box, kind, title, detail, status) {
    box.className = "message " + kind;
    box.replaceChildren(el("span", { class: "title" }, title));
    if (detail) box.append(el("span", { class: "detail" }, detail));
    if (status) box.append(el("span", { class: "status" }, status));
  }

  function clearMessage(box) {
    box.className = "message";
    box.replaceChildren();
  }

  /* A booking as a definition list: date, location, window, state. */
  function bookingList(b) {
    const dl = el("dl", { class: "booking" });
    const rows = [
      ["Date", formatDate(b.date) + " (" + b.date + ")"],
      ["Location", b.location],
      ["Window", b.window],
      ["State", b.state],
    ];
    for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", {}, v));
    return dl;
  }

  return { call, addDays, formatDate, el, showMessage, clearMessage, bookingList };
})();
