// The settings page (settings.html): adding and removing user dictionary
// words through yq.send, as the operator named in the page head.
(function(){
'use strict';
const add=document.getElementById('addword');
if(add)add.addEventListener('submit',async ev=>{
  ev.preventDefault();
  const by=yq.actor();if(!by)return;
  const body={word:document.getElementById('word').value.trim(),by:by};
  const pos=document.getElementById('pos').value;if(pos)body.pos=pos;
  if((await yq.send('POST','/api/v1/dictionary',body)).ok)location.reload();
});
document.querySelectorAll('#words .rm').forEach(b=>b.addEventListener('click',async()=>{
  const by=yq.actor();if(!by)return;
  if((await yq.send('DELETE','/api/v1/dictionary',{word:b.parentElement.dataset.word,by:by})).ok)location.reload();
}));
})();
