// The overview page's controls (home.html): correcting a post's sentiment and
// editing the user dictionary through the JSON API, as the signed-in account
// (the server takes the actor from the session; the page sends the session's
// CSRF token from the csrf-token meta tag), and the refresh every 10 seconds.
(function(){
const msg=document.getElementById('msg');
const csrf=(document.querySelector('meta[name="csrf-token"]')||{}).content||'';
// Refresh every 10 s, but not while someone is typing or choosing.
let timer;
function schedule(){clearTimeout(timer);timer=setTimeout(()=>{const a=document.activeElement;if(a&&a!==document.body){schedule();}else{location.reload();}},10000);}
schedule();
async function send(method,url,body){
  let r;
  try{r=await fetch(url,{method:method,headers:{'Content-Type':'application/json','X-CSRF-Token':csrf},body:JSON.stringify(body)});}
  catch(e){msg.textContent='操作失败:'+e;return false;}
  if(!r.ok){const e=await r.json().catch(()=>({error:r.statusText}));msg.textContent='操作失败:'+(e.error||r.status);return false;}
  return true;
}
document.querySelectorAll('select.fix').forEach(sel=>sel.addEventListener('change',async()=>{
  if(!sel.value)return;
  if(await send('POST','/api/v1/posts/'+encodeURIComponent(sel.dataset.id)+'/sentiment',{label:sel.value}))location.reload();
  else sel.value='';
}));
document.getElementById('addword').addEventListener('submit',async ev=>{
  ev.preventDefault();
  const body={word:document.getElementById('word').value.trim()};
  const pos=document.getElementById('pos').value;if(pos)body.pos=pos;
  if(await send('POST','/api/v1/dictionary',body))location.reload();
});
document.querySelectorAll('#words .rm').forEach(b=>b.addEventListener('click',async()=>{
  if(await send('DELETE','/api/v1/dictionary',{word:b.parentElement.dataset.word}))location.reload();
}));
})();
