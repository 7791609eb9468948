// The 信息流 (feed.html) and a post's page (post.html): the custom window's dates.
(function(){
'use strict';
const win=document.getElementById('window'),custom=document.querySelector('.custom');
if(win&&custom){const show=()=>{custom.hidden=win.value!=='custom';};show();win.addEventListener('change',show);}
})();
