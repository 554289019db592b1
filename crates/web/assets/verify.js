// jingzhi: check a transparency-log proof file in the browser (docs/transparency.md).
// Everything happens here, with WebCrypto (SHA-256, Ed25519): the file is never sent anywhere.
// The same checks as `jingzhi transparency verify-proof`: the checkpoint is signed by the log's
// key (sumdb note format), its size is the proof's, and the RFC 6962 inclusion proof leads from
// SHA-256(0x00 ‖ entry) to its root (RFC 9162 §2.1.3.2).
(function () {
  "use strict";
  var root = document.getElementById("proof-verifier");
  if (!root) return;
  var form = document.getElementById("proof-form");
  var out = document.getElementById("proof-result");
  var pre = document.getElementById("proof-entry");
  var say = function (key) { return root.dataset[key] || key; };

  function fail(why) { var e = new Error(why); e.shown = true; throw e; }
  function b64(s) {
    var bin = atob(s.trim());
    var u = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    return u;
  }
  function b64of(u) { var s = ""; u.forEach(function (b) { s += String.fromCharCode(b); }); return btoa(s); }
  function cat() {
    var n = 0, i;
    for (i = 0; i < arguments.length; i++) n += arguments[i].length;
    var out = new Uint8Array(n), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }
  var utf8 = function (s) { return new TextEncoder().encode(s); };
  function sha256(u) { return crypto.subtle.digest("SHA-256", u).then(function (d) { return new Uint8Array(d); }); }
  function same(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function hex8(u) { var s = ""; for (var i = 0; i < 4; i++) s += ("0" + u[i].toString(16)).slice(-2); return s; }

  // name+hash+base64(0x01 ‖ key)
  async function parseKey(text) {
    var parts = text.trim().split("+");
    if (parts.length < 3) fail(say("notFile"));
    var name = parts[0], hash = parts[1], raw = b64(parts.slice(2).join("+"));
    if (raw.length !== 33 || raw[0] !== 1) fail(say("notFile"));
    var h = await sha256(cat(utf8(name + "\n"), raw));
    if (hex8(h) !== hash) fail(say("notFile"));
    return { name: name, hash: h.slice(0, 4), pub: raw.slice(1), text: text.trim() };
  }

  async function node(l, r) { return sha256(cat(new Uint8Array([1]), l, r)); }

  async function check(file, trusted) {
    var p;
    try { p = JSON.parse(file); } catch (e) { fail(say("notFile")); }
    if (!p || p.format !== "jingzhi-inclusion-proof/v1") fail(say("notFile"));
    var key = await parseKey(p.log_key);
    if (trusted && trusted.trim() && trusted.trim() !== key.text) fail(say("keyDiffers"));
    // The signed note: text, a blank line, signature lines "— name base64".
    var note = p.checkpoint, cut = note.lastIndexOf("\n\n");
    if (cut < 0) fail(say("badSig"));
    var text = note.slice(0, cut + 1);
    var lines = note.slice(cut + 2).split("\n").filter(function (l) { return l; });
    var pk = await crypto.subtle.importKey("raw", key.pub, { name: "Ed25519" }, false, ["verify"]);
    var signed = false;
    for (var i = 0; i < lines.length && !signed; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(lines[i]);
      if (!m || m[1] !== key.name) continue;
      var raw = b64(m[2]);
      if (raw.length !== 68 || !same(raw.slice(0, 4), key.hash)) continue;
      signed = await crypto.subtle.verify({ name: "Ed25519" }, pk, raw.slice(4), utf8(text));
    }
    if (!signed) fail(say("badSig"));
    var body = text.split("\n");
    var origin = body[0], size = Number(body[1]), rootHash = b64(body[2]);
    if (origin !== key.name || size !== p.tree_size || String(size) !== body[1]) fail(say("badSize"));
    // RFC 9162 §2.1.3.2
    var fn = p.index, sn = p.tree_size - 1;
    if (!(fn < p.tree_size)) fail(say("badPath"));
    var r = await sha256(cat(new Uint8Array([0]), utf8(p.entry)));
    for (var j = 0; j < p.hashes.length; j++) {
      var h = b64(p.hashes[j]);
      if (sn === 0) fail(say("badPath"));
      if (fn % 2 === 1 || fn === sn) {
        r = await node(h, r);
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await node(r, h);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0 || !same(r, rootHash)) fail(say("badPath"));
    return { index: p.index, size: size, origin: origin, root: b64of(rootHash), entry: p.entry };
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    out.className = "";
    pre.hidden = true;
    if (!window.crypto || !crypto.subtle) { out.textContent = say("noCrypto"); out.className = "alert"; return; }
    var f = document.getElementById("proof-file").files[0];
    if (!f) { out.textContent = say("notFile"); out.className = "alert"; return; }
    f.text().then(function (t) {
      return check(t, document.getElementById("proof-key").value);
    }).then(function (ok) {
      out.textContent = "\u2713 " + say("ok") + " #" + ok.index + " " + say("at") + " " + ok.size + " \u00b7 " + ok.origin;
      out.className = "ok";
      var shown;
      try { shown = JSON.stringify(JSON.parse(ok.entry), null, 2); } catch (x) { shown = ok.entry; }
      pre.textContent = shown;
      pre.hidden = false;
    }).catch(function (err) {
      out.textContent = "\u2717 " + say("bad") + (err && err.shown ? ": " + err.message : (err && err.name === "NotSupportedError" ? ": " + say("noCrypto") : ""));
      out.className = "alert";
    });
  });
})();
