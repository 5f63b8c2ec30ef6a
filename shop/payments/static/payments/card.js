/*
 * Card fields (P1, P2): tokenise in the browser, so card numbers never reach our server.
 *
 * The inputs rendered by payments/card_fields.html have no `name`, so a form
 * submit never carries them. On submit (when the card is the chosen payment
 * method) this script posts number, expiry and security code to the gateway's
 * token endpoint (data-tokenize-url, with the public key), writes the one-time
 * token into the form's `card_token` field and the brand and last four digits
 * into `card_brand` / `card_last4`, clears the card inputs and submits the
 * form. The gateway's Japanese error message is shown above the fields.
 */
(function () {
  "use strict";

  var NETWORK_ERROR = "カード情報を確認できませんでした。通信環境をご確認のうえ、もう一度お試しください。";
  var BRAND_LABELS = {
    visa: "Visa",
    mastercard: "Mastercard",
    jcb: "JCB",
    amex: "American Express",
    diners: "Diners Club"
  };

  function digitsOf(value) {
    return (value || "").replace(/[\s-]/g, "");
  }

  // Only for showing the brand while typing; the gateway decides.
  function guessBrand(digits) {
    var two = parseInt(digits.slice(0, 2), 10);
    var three = parseInt(digits.slice(0, 3), 10);
    var four = parseInt(digits.slice(0, 4), 10);
    if (two === 34 || two === 37) return "amex";
    if (four >= 3528 && four <= 3589) return "jcb";
    if (two === 36 || two === 38 || two === 39 || (three >= 300 && three <= 305)) return "diners";
    if (digits.charAt(0) === "4") return "visa";
    if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return "mastercard";
    return "";
  }

  function parseExpiry(value) {
    var match = (value || "").replace(/\s/g, "").match(/^(\d{1,2})\s*[\/\-]?\s*(\d{2}|\d{4})$/);
    if (!match) return { month: "", year: "" };
    return { month: match[1], year: match[2] };
  }

  function init(root) {
    if (root.getAttribute("data-card-ready")) return;
    root.setAttribute("data-card-ready", "1");
    var form = root.closest("form");
    if (!form) return;
    var number = root.querySelector("[data-card-number]");
    var expiry = root.querySelector("[data-card-expiry]");
    var cvc = root.querySelector("[data-card-cvc]");
    var brandBadge = root.querySelector("[data-card-brand]");
    var brandInput = root.querySelector("[data-card-brand-input]");
    var last4Input = root.querySelector("[data-card-last4-input]");
    var errorBox = root.querySelector("[data-card-error]");
    var tokenInput = form.elements.namedItem("card_token");
    if (!tokenInput) {
      tokenInput = document.createElement("input");
      tokenInput.type = "hidden";
      tokenInput.name = "card_token";
      root.appendChild(tokenInput);
    }
    var busy = false;

    function cardChosen() {
      var method = form.elements.namedItem("payment_method");
      if (!method) return true;
      return method.value === "card";
    }

    function showBrand(brand) {
      if (brand && BRAND_LABELS[brand]) {
        brandBadge.textContent = BRAND_LABELS[brand];
        brandBadge.hidden = false;
      } else {
        brandBadge.textContent = "";
        brandBadge.hidden = true;
      }
    }

    function showError(message) {
      errorBox.textContent = message || "";
      errorBox.hidden = !message;
    }

    function forget() {
      // a new card entry needs a new token
      tokenInput.value = "";
      brandInput.value = "";
      last4Input.value = "";
    }

    function toggle() {
      root.hidden = !cardChosen();
    }

    number.addEventListener("input", function () {
      forget();
      showBrand(guessBrand(digitsOf(number.value)));
    });
    expiry.addEventListener("input", forget);
    cvc.addEventListener("input", forget);
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "payment_method") toggle();
    });
    toggle();
    // a page shown again (back button, a form error) never reuses an old token
    forget();

    form.addEventListener("submit", function (event) {
      if (!cardChosen() || tokenInput.value) return;
      event.preventDefault();
      if (busy) return;
      busy = true;
      showError("");
      var submitter = event.submitter || null;
      var exp = parseExpiry(expiry.value);
      fetch(root.getAttribute("data-tokenize-url"), {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          public_key: root.getAttribute("data-public-key"),
          number: digitsOf(number.value),
          exp_month: exp.month,
          exp_year: exp.year,
          cvc: cvc.value.trim()
        })
      })
        .then(function (response) {
          return response.json().then(
            function (data) { return { ok: response.ok, data: data }; },
            function () { return { ok: false, data: {} }; }
          );
        })
        .then(function (result) {
          if (!result.ok || !result.data.token) {
            busy = false;
            var error = result.data && result.data.error;
            showError((error && error.message) || NETWORK_ERROR);
            var field = error && error.field;
            var focus = field === "cvc" ? cvc : field === "expiry" ? expiry : number;
            if (focus) focus.focus();
            return;
          }
          tokenInput.value = result.data.token;
          brandInput.value = result.data.brand || "";
          last4Input.value = result.data.last4 || "";
          showBrand(result.data.brand);
          number.value = "";
          cvc.value = "";
          if (typeof form.requestSubmit === "function") {
            form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
          } else {
            form.submit();
          }
        })
        .catch(function () {
          busy = false;
          showError(NETWORK_ERROR);
        });
    });
  }

  function start() {
    var roots = document.querySelectorAll("[data-card-fields]");
    for (var i = 0; i < roots.length; i++) init(roots[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
