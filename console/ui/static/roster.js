// The duty roster page (roster.html): saving a shift and removing one
// through yq.send. Errors the API names by field are shown beside the
// form and the field gets the focus.
(function(){
'use strict';
const form=document.getElementById('shift');
const err=document.getElementById('shift-error');
const val=id=>document.getElementById(id).value.trim();
function showError(r){
  const data=r.data||{};
  err.textContent=data.message||('操作失败：'+(data.error||r.status));
  let el=data.field&&document.getElementById('f-'+data.field);
  if(el&&el.tagName==='FIELDSET')el=el.querySelector('input');
  if(el)el.focus();
}
if(form)form.addEventListener('submit',async ev=>{
  ev.preventDefault();err.textContent='';
  const s={person:val('f-person'),role:val('f-role'),start:val('f-start'),end:val('f-end')};
  const date=val('f-date');
  if(date)s.date=date;
  else s.days=Array.from(form.querySelectorAll('input.day:checked')).map(b=>Number(b.value));
  const id=form.dataset.editing;
  const r=id?await yq.send('PUT','/api/v1/roster/shifts/'+encodeURIComponent(id),s):await yq.send('POST','/api/v1/roster/shifts',s);
  if(r.ok){location.href='/settings/roster';return;}
  showError(r);
});
document.querySelectorAll('#shifts .remove-shift').forEach(b=>b.addEventListener('click',async()=>{
  if(!window.confirm('确定删除班次「'+b.dataset.id+'」吗？'))return;
  const r=await yq.send('DELETE','/api/v1/roster/shifts/'+encodeURIComponent(b.dataset.id));
  if(r.ok)location.reload();
}));
})();
