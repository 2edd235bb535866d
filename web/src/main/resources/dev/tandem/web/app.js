// The web install page: everything goes through fetch() with the token in a header (never a cookie), so a
// page on another site cannot act for the user. The bundle is sent as the request body, as it is read from
// disk; the device verifies and writes it while it arrives. Progress comes from polling /api/progress.
'use strict';

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('tandem-token') || '';
let polling = null;

function headers(extra) {
  return Object.assign({ 'X-Tandem-Token': token }, extra || {});
}

async function api(path, options) {
  const r = await fetch(path, Object.assign({ cache: 'no-store' }, options || {}));
  let body = {};
  try { body = await r.json(); } catch (e) { body = {}; }
  return { status: r.status, body: body };
}

function show(el, text, cls) {
  el.textContent = text;
  el.className = 'message' + (cls ? ' ' + cls : '');
}

async function refreshSlots() {
  const r = await api('/api/status', { headers: headers() });
  if (r.status !== 200) {
    show($('auth-message'), 'refused (' + r.status + '): ' + (r.body.error || 'no answer'), 'fail');
    $('install').disabled = true;
    return false;
  }
  show($('auth-message'), 'connected', 'ok');
  $('install').disabled = false;
  const tbody = $('slots').querySelector('tbody');
  tbody.replaceChildren();
  for (const s of r.body.slots || []) {
    const tr = document.createElement('tr');
    tr.dataset.slot = s.name;
    const cells = [s.name, s.state, s.version || '', s.booted ? 'yes' : '',
      s.bootloader ? (s.bootloader.bootable ? 'yes' : 'no') : '', s['last-failure'] || ''];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (i === 1) { td.className = 'state state-' + s.state; }
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }
  return true;
}

function renderProgress(p) {
  const bar = $('progress');
  if (p.state === 'installing') {
    bar.hidden = false;
    if (typeof p.percent === 'number') {
      bar.value = p.percent;
    } else if (p['upload-total'] > 0) {
      bar.value = Math.floor(100 * p.uploaded / p['upload-total']);
    }
    let text = (p.phase || 'starting') + (p.detail ? ' ' + p.detail : '') + ': ' +
      Math.round(p.uploaded / 1048576) + ' MiB received';
    if (p['bytes-per-second'] > 0) { text += ', ' + (p['bytes-per-second'] / 1048576).toFixed(1) + ' MiB/s'; }
    if (p['eta-seconds'] >= 0) { text += ', ' + p['eta-seconds'] + ' s left'; }
    $('phase').textContent = text;
  }
}

function renderOutcome(p) {
  $('cancel').hidden = true;
  $('install').disabled = false;
  if (p.state === 'installed' && p.result) {
    $('progress').value = 100;
    $('phase').textContent = '';
    show($('result'), 'Verified and installed: version ' + p.result.version +
      (p.result.activated ? ' (boots next, once; reboot to try it)' : ''), 'ok');
    $('reboot').hidden = !p.result.activated;
  } else if (p.state === 'failed') {
    $('phase').textContent = '';
    show($('result'), 'Refused: ' + p.error, 'fail');
    $('reboot').hidden = true;
  }
  document.body.dataset.outcome = p.state;
  refreshSlots();
}

async function poll() {
  const r = await api('/api/progress', { headers: headers() });
  if (r.status === 200) {
    renderProgress(r.body);
    return r.body;
  }
  return null;
}

async function install() {
  const file = $('bundle').files[0];
  if (!file) { show($('result'), 'Pick a .tandem file first', 'fail'); return; }
  document.body.dataset.outcome = 'installing';
  const before = await poll();
  if (before && before['upload-limit'] > 0 && file.size > before['upload-limit']) {
    // The device would refuse it (413) before reading it; say so without sending it.
    renderOutcome({ state: 'failed', error: file.name + ' (' + file.size + ' bytes) is larger than the target slots can take (' +
      before['upload-limit'] + ' bytes)' });
    return;
  }
  $('install').disabled = true;
  $('cancel').hidden = false;
  $('reboot').hidden = true;
  show($('result'), '');
  document.body.dataset.outcome = 'installing';
  polling = setInterval(poll, 500);
  let outcome = null;
  try {
    const r = await api('/api/install', {
      method: 'POST',
      headers: headers({ 'X-Tandem-Request': '1', 'Content-Type': 'application/octet-stream' }),
      body: file
    });
    if (r.status === 409) {
      outcome = { state: 'failed', error: r.body.error || 'busy' };
    } else if (r.status === 401 || r.status === 403 || r.status === 413) {
      outcome = { state: 'failed', error: r.body.error || ('HTTP ' + r.status) };
    }
  } catch (e) {
    // The device may answer before the whole file was sent (a refused bundle); its verdict is in /api/progress.
  }
  clearInterval(polling);
  if (!outcome) {
    for (let i = 0; i < 20 && !outcome; i++) {
      const p = await poll();
      if (p && p.state !== 'installing') { outcome = p; } else { await new Promise((ok) => setTimeout(ok, 250)); }
    }
  }
  renderOutcome(outcome || { state: 'failed', error: 'no answer from the device' });
}

async function reboot() {
  $('reboot').disabled = true;
  const r = await api('/api/reboot', { method: 'POST', headers: headers({ 'X-Tandem-Request': '1' }) });
  if (r.status === 202) {
    show($('result'), 'Rebooting…', 'ok');
    document.body.dataset.outcome = 'rebooting';
  } else {
    show($('result'), 'Reboot refused: ' + (r.body.error || r.status), 'fail');
    $('reboot').disabled = false;
  }
}

async function cancel() {
  await api('/api/cancel', { method: 'POST', headers: headers({ 'X-Tandem-Request': '1' }) });
}

document.addEventListener('DOMContentLoaded', () => {
  $('token').value = token;
  $('connect').addEventListener('click', () => {
    token = $('token').value.trim();
    sessionStorage.setItem('tandem-token', token);
    refreshSlots();
  });
  $('install').addEventListener('click', install);
  $('cancel').addEventListener('click', cancel);
  $('reboot').addEventListener('click', reboot);
  if (token) { refreshSlots(); }
});
