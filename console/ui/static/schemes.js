// The monitoring schemes page (schemes.html): saving a scheme, enabling
// and disabling one, and back-testing what the form says, through
// yq.send. Errors the API names by field are shown beside the form and
// the field gets the focus.
(function(){
'use strict';
const form=document.getElementById('scheme');
const err=document.getElementById('scheme-error');
const words=id=>document.getElementById(id).value.split(/[\s,，、;；]+/).map(s=>s.trim()).filter(Boolean);
function scheme(){
  const s={id:document.getElementById('f-id').value.trim(),name:document.getElementById('f-name').value.trim(),
    regions:words('f-regions'),subjects:words('f-subjects'),events:words('f-events'),exclusions:words('f-exclusions'),
    expression:document.getElementById('f-expression').value.trim(),alert:document.getElementById('f-alert').checked};
  const d=document.getElementById('f-disabled');if(d&&d.value)s.disabled=true;
  return s;
}
function showError(r){
  const data=r.data||{};
  err.textContent=data.message||('操作失败：'+(data.error||r.status));
  const el=data.field&&document.getElementById('f-'+data.field.replace(/^scheme\./,''));
  if(el)el.focus();
}
if(form)form.addEventListener('submit',async ev=>{
  ev.preventDefault();err.textContent='';
  const s=scheme();
  const r=form.dataset.editing?await yq.send('PUT','/api/v1/schemes/'+encodeURIComponent(s.id),s):await yq.send('POST','/api/v1/schemes',s);
  if(r.ok){location.href='/settings/schemes';return;}
  showError(r);
});
const bt=document.getElementById('backtest');
if(bt)bt.addEventListener('click',async()=>{
  err.textContent='';
  const out=document.getElementById('bt-result');out.textContent='正在回测……';
  const s=scheme();delete s.disabled;if(!s.id)s.id='backtest';
  const r=await yq.send('POST','/api/v1/schemes/backtest',{scheme:s,days:Number(document.getElementById('bt-days').value),samples:10});
  out.textContent='';
  if(!r.ok){showError(r);return;}
  const p=document.createElement('p');p.id='bt-summary';
  p.textContent='近'+r.data.days+'天共'+r.data.posts+'条信息，命中'+r.data.matched+'条。';
  out.appendChild(p);
  if(r.data.samples.length){
    const ul=document.createElement('ul');ul.id='bt-samples';
    r.data.samples.forEach(s=>{const li=document.createElement('li');const a=document.createElement('a');
      a.href='/posts/'+encodeURIComponent(s.post_id);a.textContent=s.title||s.post_id;li.appendChild(a);
      li.appendChild(document.createTextNode('（命中：'+s.terms.join('、')+'）'));ul.appendChild(li);});
    out.appendChild(ul);
  }
});
document.querySelectorAll('#schemes .state-btn').forEach(b=>b.addEventListener('click',async()=>{
  const r=await yq.send('POST','/api/v1/schemes/'+encodeURIComponent(b.dataset.id)+'/'+b.dataset.act);
  if(r.ok)location.reload();
}));
})();
