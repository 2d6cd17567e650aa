// Pintar Ekspor: progressive enhancement; every page works without it.
(function () {
  'use strict';
  var d = document;
  function put(b, t) { if (b.tagName === 'INPUT') b.value = t; else b.textContent = t; }

  // Print buttons exist only where the script runs (they are hidden in the HTML).
  d.querySelectorAll('button[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { print(); });
  });

  d.addEventListener('submit', function (e) {
    var f = e.target;
    if (!(f instanceof HTMLFormElement)) return;
    if (f.hasAttribute('data-confirm') && !confirm(f.dataset.confirm)) return e.preventDefault();
    if (!f.hasAttribute('data-busy') || e.defaultPrevented) return;
    if (f.dataset.sending) return e.preventDefault();
    f.dataset.sending = '1';
    // Disabled after the entry list is built, so the clicked button's value is still sent.
    setTimeout(function () {
      f.querySelectorAll('button:not([type=button]):not([type=reset]),input[type=submit]').forEach(function (b) {
        b.disabled = true;
        b.dataset.idle = b.tagName === 'INPUT' ? b.value : b.textContent;
        if (f.dataset.busy) put(b, f.dataset.busy);
      });
    }, 0);
  });

  // Restored from the back/forward cache: the buttons work again.
  addEventListener('pageshow', function (e) {
    if (e.persisted) d.querySelectorAll('form[data-sending]').forEach(function (f) {
      delete f.dataset.sending;
      f.querySelectorAll('[data-idle]').forEach(function (b) {
        b.disabled = false;
        put(b, b.dataset.idle);
        delete b.dataset.idle;
      });
    });
  });

  d.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-copy]');
    var src = b && d.getElementById(b.dataset.copy);
    if (!src) return;
    var live = d.getElementById('live');
    function done() {
      var msg = b.dataset.copied;
      if (!msg) return;
      if (b.dataset.label == null) b.dataset.label = b.textContent;
      b.textContent = msg;
      if (live) live.textContent = msg;
      clearTimeout(b.copyTimer);
      b.copyTimer = setTimeout(function () {
        b.textContent = b.dataset.label;
        if (live) live.textContent = '';
      }, 2000);
    }
    function select() { // no clipboard: select the text to copy by hand
      getSelection().selectAllChildren(src);
    }
    if (navigator.clipboard && isSecureContext) navigator.clipboard.writeText(src.textContent.trim()).then(done, select);
    else select();
  });

  d.addEventListener('change', function (e) {
    var el = e.target;
    if (el.tagName === 'SELECT' && el.hasAttribute('data-autosubmit') && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
    }
    if (el.type === 'file' && el.dataset.maxBytes) {
      var max = +el.dataset.maxBytes;
      var big = max > 0 && [].some.call(el.files || [], function (f) { return f.size > max; });
      el.setCustomValidity(big ? el.dataset.tooLarge || 'Too large' : '');
      if (big) el.reportValidity();
    }
  });
})();
