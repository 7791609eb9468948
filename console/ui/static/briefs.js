// The briefs' pages (briefs.html, brief.html): generating a draft, editing
// its text blocks, and the workflow's steps, through yq.send, as the person
// named in the 操作人 field (the authenticated account once accounts land).
(function(){
const who = document.getElementById('who'), msg = document.getElementById('msg');
if (who) {
  who.value = localStorage.getItem('yuqing.who') || '';
  who.addEventListener('input', () => localStorage.setItem('yuqing.who', who.value.trim()));
}
function actor() {
  const a = who ? who.value.trim() : '';
  if (!a) { msg.textContent = '请先填写操作人'; if (who) who.focus(); }
  return a;
}
async function run(method, url, body, then) {
  msg.textContent = '处理中……';
  try { const d = await yq.send(method, url, body); msg.textContent = '已完成'; then(d); }
  catch (e) { msg.textContent = '操作失败：' + e.message; }
}
const gen = document.getElementById('generate');
if (gen) {
  const type = document.getElementById('gtype'), inc = document.getElementById('gincident');
  const sync = () => { inc.parentElement.hidden = type.value !== 'special'; };
  type.addEventListener('change', sync); sync();
  gen.addEventListener('submit', ev => {
    ev.preventDefault();
    const a = actor(); if (!a) return;
    const body = {type: type.value, period: document.getElementById('gperiod').value, actor: a};
    if (type.value === 'special') body.incident = inc.value.trim();
    run('POST', '/api/v1/briefs', body, d => { location.href = '/briefs/' + encodeURIComponent(d.id); });
  });
}
const page = document.getElementById('brief');
if (page) {
  const id = page.dataset.id;
  document.querySelectorAll('button.step').forEach(b => b.addEventListener('click', () => {
    const a = actor(); if (!a) return;
    if (b.dataset.action === 'issue' && !confirm('印发后将编排期号并分发，确定印发？')) return;
    run('POST', '/api/v1/briefs/' + encodeURIComponent(id) + '/actions', {action: b.dataset.action, actor: a}, () => location.reload());
  }));
  document.querySelectorAll('button.save').forEach(b => b.addEventListener('click', () => {
    const a = actor(); if (!a) return;
    const ta = document.getElementById('block-' + b.dataset.block);
    run('POST', '/api/v1/briefs/' + encodeURIComponent(id) + '/blocks', {block: b.dataset.block, text: ta.value, actor: a}, () => location.reload());
  }));
}
})();
