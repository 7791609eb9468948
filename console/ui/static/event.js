// An event's analysis page (event.html): its charts from
// /api/v1/events/{id}/analysis, opening an incident on it by hand, and
// merging or splitting it by hand.
(function(){
'use strict';
const id=document.getElementById('event').dataset.id;
// data-drawn on #event: "1" once the charts are drawn, "failed" once
// the failure is said (what the page tests wait on).
(async()=>{
  const box=document.getElementById('event');
  const r=await fetch('/api/v1/events/'+encodeURIComponent(id)+'/analysis').catch(()=>null);
  if(!r||!r.ok){yq.say('无法读取事件数据');box.dataset.drawn='failed';return;}
  const a=await r.json();
  yqCharts.stacked('c-timeline',a.hours,a.by_tier);
  yqCharts.lines('c-sentiment',a.hours,a.by_sentiment,{sentiment:true});
  yqCharts.pie('c-tiers',a.tiers);
  box.dataset.drawn='1';
})();
const form=document.getElementById('open-incident');
if(form)form.addEventListener('submit',async ev=>{
  ev.preventDefault();
  const actor=yq.actor();if(!actor)return;
  const f=new FormData(form);
  const r=await yq.send('POST','/api/v1/incidents',{title:f.get('title'),level:f.get('level'),reason:f.get('reason'),event_id:id,actor:actor});
  if(r.ok&&r.data&&r.data.incident)location.href='/incidents/'+encodeURIComponent(r.data.incident.id);
});
// Merging the event into another and splitting posts off into a new
// event: the responder applies them; the page reloads to show the
// history once it has.
const act=async(body)=>{
  const r=await yq.send('POST','/api/v1/events/'+encodeURIComponent(id)+'/actions',body);
  if(!r.ok){if(r.status===400&&r.data&&r.data.message)yq.say('操作失败：'+r.data.message);return;}
  yq.say(r.data.message,true);
  setTimeout(()=>location.reload(),1500);
};
const merge=document.getElementById('merge-event');
if(merge){
  merge.addEventListener('submit',ev=>{ev.preventDefault();
    act({action:'merge',into:document.getElementById('me-into').value.trim(),reason:document.getElementById('me-reason').value});});
  merge.querySelectorAll('button.pick').forEach(b=>b.addEventListener('click',()=>{document.getElementById('me-into').value=b.dataset.id;}));
}
const split=document.getElementById('split-event');
if(split)split.addEventListener('submit',ev=>{ev.preventDefault();
  const posts=[...split.querySelectorAll('input[name=post]:checked')].map(c=>c.value);
  if(!posts.length){yq.say('请选择要拆分出去的信息。');return;}
  act({action:'split',posts:posts,reason:document.getElementById('se-reason').value});});
})();
