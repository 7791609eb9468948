// The briefs' pages (briefs.html, brief.html): generating a draft, editing
// its text blocks, and the workflow's steps, through yq.send, as the
// signed-in account (the console takes the actor from the session).
(function(){
const msg = document.getElementById('msg');
async function run(method, url, body, then) {
  msg.textContent = '处理中……';
  const r = await yq.send(method, url, body);
  if (r.ok) { msg.textContent = '已完成'; then(r.data); }
  else { msg.textContent = '操作失败：' + ((r.data && r.data.error) || r.status); }
}
const gen = document.getElementById('generate');
if (gen) {
  const type = document.getElementById('gtype'), inc = document.getElementById('gincident');
  const sync = () => { inc.parentElement.hidden = type.value !== 'special'; };
  type.addEventListener('change', sync); sync();
  gen.addEventListener('submit', ev => {
    ev.preventDefault();
    const body = {type: type.value, period: document.getElementById('gperiod').value};
    if (type.value === 'special') body.incident = inc.value.trim();
    run('POST', '/api/v1/briefs', body, d => { location.href = '/briefs/' + encodeURIComponent(d.id); });
  });
}
const page = document.getElementById('brief');
if (page) {
  const id = page.dataset.id;
  document.querySelectorAll('button.step').forEach(b => b.addEventListener('click', () => {
    if (b.dataset.action === 'issue' && !confirm('印发后将编排期号并分发，确定印发？')) return;
    run('POST', '/api/v1/briefs/' + encodeURIComponent(id) + '/actions', {action: b.dataset.action}, () => location.reload());
  }));
  document.querySelectorAll('button.save').forEach(b => b.addEventListener('click', () => {
    const ta = document.getElementById('block-' + b.dataset.block);
    run('POST', '/api/v1/briefs/' + encodeURIComponent(id) + '/blocks', {block: b.dataset.block, text: ta.value}, () => location.reload());
  }));
}
})();
