// The one helper every page's state-changing call goes through (yq.send),
// and what the pages share: the signed-in account, messages, countdowns.
(function(){
'use strict';
// The server's clock, which the countdowns count from, as an offset from
// this browser's.
const st=document.querySelector('meta[name="server-time"]');
const skew=st?new Date(st.getAttribute('content')).getTime()-Date.now():0;
function csrf(){const m=document.querySelector('meta[name="csrf-token"]');return m?m.getAttribute('content'):'';}
const msg=()=>document.getElementById('msg');
const yq={
  // say shows a message in the page's status line.
  say(text,ok){const m=msg();if(!m)return;m.textContent=text;m.className=ok?'ok':'err';},
  // actor is the signed-in account (the console records changes under
  // the session's account whatever a body says), or null (and a message)
  // when the page has no session.
  actor(){const m=document.querySelector('meta[name="user"]');const v=m?m.getAttribute('content'):'';if(!v){yq.say('请先登录');return null;}return v;},
  // send sends body as JSON with the CSRF token and resolves to
  // {ok,status,data}; a failure is shown in the status line.
  async send(method,url,body){
    let r;
    try{r=await fetch(url,{method:method,headers:{'Content-Type':'application/json','X-CSRF-Token':csrf()},body:body===undefined?undefined:JSON.stringify(body),credentials:'same-origin'});}
    catch(e){yq.say('操作失败：网络不通，请稍后重试');return {ok:false,status:0,data:null};}
    const data=await r.json().catch(()=>null);
    // A 409 is a move the incident's state does not take: its reason,
    // in Chinese, says why.
    if(r.status===409){yq.say('无法执行：'+((data&&data.error)||'当前状态不允许此操作。'));}
    else if(!r.ok){yq.say('操作失败：'+((data&&data.error)||r.status));}
    return {ok:r.ok,status:r.status,data:data};
  },
  // now is the server's clock.
  now(){return new Date(Date.now()+skew);},
  // countdowns updates every .countdown[data-due] once a second, with its
  // urgency class.
  countdowns(){
    const fmt=ms=>{const m=Math.round(Math.abs(ms)/60000),d=Math.floor(m/1440),h=Math.floor(m%1440/60),mi=m%60;
      let s='';if(d)s+=d+'天';if(h)s+=h+'小时';if(mi&&!d)s+=mi+'分钟';return s||'不到1分钟';};
    const tick=()=>document.querySelectorAll('.countdown[data-due]').forEach(el=>{
      const ms=new Date(el.dataset.due).getTime()-(Date.now()+skew);
      el.textContent=(ms<0?'已超时':'剩余')+fmt(ms);
      el.classList.remove('over','near','soon','far');
      el.classList.add(ms<0?'over':ms<2*3600e3?'near':ms<12*3600e3?'soon':'far');
    });
    tick();setInterval(tick,1000);
  },
};
window.yq=yq;
document.addEventListener('DOMContentLoaded',()=>{
  // Sentiment corrections, wherever a page offers them.
  document.querySelectorAll('select.fix').forEach(sel=>sel.addEventListener('change',async()=>{
    if(!sel.value)return;
    const by=yq.actor();if(!by){sel.value='';return;}
    const r=await yq.send('POST','/api/v1/posts/'+encodeURIComponent(sel.dataset.id)+'/sentiment',{label:sel.value,by:by});
    if(r.ok)location.reload();else sel.value='';
  }));
});
})();
