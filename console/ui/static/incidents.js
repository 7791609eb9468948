// The 处置台 (incidents.html, incident.html): live countdowns to every
// deadline, and opening an incident or a disclosure item by hand.
(function(){
'use strict';
yq.countdowns();
const go=r=>{if(r.ok&&r.data&&r.data.incident)location.href='/incidents/'+encodeURIComponent(r.data.incident.id);};
const inc=document.getElementById('open-incident');
if(inc)inc.addEventListener('submit',async ev=>{
  ev.preventDefault();const actor=yq.actor();if(!actor)return;const f=new FormData(inc);
  go(await yq.send('POST','/api/v1/incidents',{title:f.get('title'),level:f.get('level'),reason:f.get('reason'),actor:actor}));
});
const dis=document.getElementById('open-disclosure');
if(dis)dis.addEventListener('submit',async ev=>{
  ev.preventDefault();const actor=yq.actor();if(!actor)return;const f=new FormData(dis);
  go(await yq.send('POST','/api/v1/disclosures',{rule:f.get('rule'),title:f.get('title'),date:f.get('date'),reason:f.get('reason'),actor:actor}));
});
})();
