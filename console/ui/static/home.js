// The 态势总览 (home.html): its charts from /api/v1/overview, the custom
// window's dates, and on the wall screen a refresh every minute and a clock.
(function(){
'use strict';
const box=document.getElementById('overview');
const screen=box.dataset.screen==='1';
// data-drawn on #overview: "1" once the charts are drawn, "failed" once
// the failure is said (what the page tests wait on).
async function draw(){
  let r;try{r=await fetch('/api/v1/overview?'+box.dataset.query);}catch(e){yq.say('无法读取态势数据，稍后自动重试');box.dataset.drawn='failed';return;}
  if(!r.ok){yq.say('无法读取态势数据');box.dataset.drawn='failed';return;}
  const o=(await r.json()).overview;
  yqCharts.lines('c-volume',o.buckets,o.volume,{stack:true});
  yqCharts.pie('c-shares',o.shares);
  yqCharts.lines('c-sentiment',o.buckets,o.sentiment,{sentiment:true});
  yqCharts.lines('c-tiers',o.buckets,o.tiers);
  yqCharts.cloud('c-terms',o.terms);
  document.querySelectorAll('.spark[data-event]').forEach(el=>{const e=o.events[+el.dataset.event];if(e)yqCharts.spark(el,e.trend||[]);});
  yqCharts.bars('c-topics',o.topics,'#6a1b9a');
  yqCharts.bars('c-regions',o.regions,'#00838f');
  box.dataset.drawn='1';
}
draw();
yq.countdowns();
const win=document.getElementById('window');
if(win){const custom=document.querySelector('.custom');const show=()=>{custom.hidden=win.value!=='custom';};show();win.addEventListener('change',show);}
if(screen){
  const clock=document.getElementById('clock');
  const tick=()=>{const d=yq.now();clock.textContent=d.toLocaleString('zh-CN',{timeZone:'Asia/Shanghai',month:'long',day:'numeric',hour:'2-digit',minute:'2-digit',second:'2-digit',hour12:false});};
  tick();setInterval(tick,1000);
  setInterval(()=>location.reload(),60000);
  // A wall screen has no controls: a double click (or the browser's
  // kiosk mode) makes it fill the display.
  document.addEventListener('dblclick',()=>{if(!document.fullscreenElement&&document.documentElement.requestFullscreen)document.documentElement.requestFullscreen().catch(()=>{});});
}
})();
