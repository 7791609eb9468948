// An incident's page (incident.html): every action form sends its request
// through yq.send as the operator named in the page head, then reloads the
// page once the history shows it.
(function(){
'use strict';
const id=document.getElementById('summary').dataset.id;
document.querySelectorAll('form.act').forEach(form=>form.addEventListener('submit',async ev=>{
  ev.preventDefault();
  const actor=yq.actor();if(!actor)return;
  const body={action:form.dataset.action,actor:actor};
  new FormData(form).forEach((v,k)=>{
    v=String(v).trim();if(!v)return;
    if(k==='days')body[k]=parseInt(v,10);
    else if(k==='published_at')body[k]=new Date(v).toISOString();
    else if(k==='from')body[k]=new Date(v+'T00:00:00+08:00').toISOString();
    else body[k]=v;
  });
  const btn=form.querySelector('button');btn.disabled=true;
  const r=await yq.send('POST','/api/v1/incidents/'+encodeURIComponent(id)+'/actions',body);
  btn.disabled=false;
  if(!r.ok)return;
  yq.say('已提交：'+form.querySelector('h3').textContent+'，正在执行……',true);
  // The responder applies the request within moments; show the page again.
  setTimeout(()=>location.reload(),1500);
}));
})();
