// The sources page (sources.html): saving a source, enabling and
// disabling one, through yq.send. The form keeps what the API takes and
// the page does not show (selectors, API paths) as the source had it.
// Errors the API names by field are shown beside the form and the field
// gets the focus.
(function(){
'use strict';
const form=document.getElementById('source');
const err=document.getElementById('source-error');
const val=id=>document.getElementById(id).value.trim();
function showError(r){
  const data=r.data||{};
  err.textContent=data.message||('操作失败：'+(data.error||r.status));
  const el=data.field&&document.querySelector('#source [name="'+data.field+'"]');
  if(el)el.focus();
}
async function current(id){
  const r=await yq.send('GET','/api/v1/sources');
  if(!r.ok)return null;
  return (r.data.items||[]).find(s=>s.id===id)||null;
}
if(form)form.addEventListener('submit',async ev=>{
  ev.preventDefault();err.textContent='';
  const editing=form.dataset.editing;
  let s={};
  if(editing){
    const cur=await current(editing);
    if(cur){s=cur;['changed_by','changed_at','from_config','status'].forEach(k=>delete s[k]);}
  }
  s.id=val('f-id');s.name=val('f-name');s.kind=val('f-kind');s.authority=val('f-authority');s.url=val('f-url');
  const mins=val('f-interval');if(mins)s.interval=mins+'m';else delete s.interval;
  const region=val('f-region');if(region)s.region=region;else delete s.region;
  const enc=val('f-encoding');if(enc)s.encoding=enc;else delete s.encoding;
  const links=val('f-links');s.list=s.list||{};if(links)s.list.links=links;else delete s.list.links;
  const r=editing?await yq.send('PUT','/api/v1/sources/'+encodeURIComponent(editing),s):await yq.send('POST','/api/v1/sources',s);
  if(r.ok){location.href='/settings/sources';return;}
  showError(r);
});
document.querySelectorAll('#sources .state-btn').forEach(b=>b.addEventListener('click',async()=>{
  b.disabled=true;
  const r=await yq.send('POST','/api/v1/sources/'+encodeURIComponent(b.dataset.id)+'/'+b.dataset.act);
  if(r.ok){location.reload();return;}
  b.disabled=false;
  const m=document.getElementById('msg');if(m){m.className='err';m.textContent=(r.data&&r.data.message)||'操作失败，请稍后再试。';}
}));
})();
