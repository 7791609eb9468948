// yq.send is how every page changes something through the JSON API: it
// sends body as JSON with the CSRF token of the page's
// <meta name="csrf-token"> (empty until the console has accounts) and
// resolves to the decoded answer, or rejects with the API's error message.
window.yq = window.yq || {};
yq.send = yq.send || async function(method, url, body) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const r = await fetch(url, {method: method, credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': meta ? meta.content : ''},
    body: body === undefined ? undefined : JSON.stringify(body)});
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || String(r.status));
  return data;
};
