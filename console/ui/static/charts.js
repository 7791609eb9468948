// Draws the console's charts with ECharts from the JSON the API answers.
(function(){
'use strict';
const dark=document.body.classList.contains('screen');
const palette=['#c62828','#1565c0','#2e7d32','#ef6c00','#6a1b9a','#00838f','#5d4037','#455a64'];
// The word cloud's colours, legible on the page and on the dark screen.
const cloudColors=dark?['#ff8a80','#82b1ff','#b9f6ca','#ffd180','#ea80fc','#84ffff','#ffe57f']:['#c62828','#1565c0','#2e7d32','#ef6c00','#6a1b9a','#00838f'];
const sentColor={'负面':'#c62828','中性':'#9e9e9e','正面':'#2e7d32'};
function chart(id){const el=typeof id==='string'?document.getElementById(id):id;if(!el)return null;
  const c=echarts.getInstanceByDom(el)||echarts.init(el,dark?'dark':null,{renderer:'canvas'});
  window.addEventListener('resize',()=>c.resize());return c;}
function empty(c,text){c.setOption({backgroundColor:'transparent',title:{text:text||'暂无数据',left:'center',top:'middle',textStyle:{fontSize:14,color:'#888',fontWeight:'normal'}}},true);}
const base={backgroundColor:'transparent',color:palette,tooltip:{trigger:'axis'},grid:{left:40,right:16,top:30,bottom:30,containLabel:true}};
window.yqCharts={
  // lines draws series [{name,counts}] over the labels x.
  lines(id,x,series,opts){const c=chart(id);if(!c)return;
    if(!series||!series.length||!x.length){empty(c);return;}
    c.setOption(Object.assign({},base,{legend:{top:0,type:'scroll'},xAxis:{type:'category',data:x},yAxis:{type:'value',minInterval:1},
      series:series.map(s=>({name:s.name,type:'line',stack:opts&&opts.stack?'all':undefined,areaStyle:opts&&opts.stack?{}:undefined,smooth:false,showSymbol:x.length<40,
        itemStyle:sentColor[s.name]&&opts&&opts.sentiment?{color:sentColor[s.name]}:undefined,data:s.counts}))}),true);},
  // bars over time: series [{name,counts}] stacked, over the labels x.
  stacked(id,x,series){const c=chart(id);if(!c)return;
    if(!series||!series.length||!x.length){empty(c);return;}
    c.setOption(Object.assign({},base,{tooltip:{trigger:'axis',axisPointer:{type:'shadow'}},legend:{top:0,type:'scroll'},xAxis:{type:'category',data:x},yAxis:{type:'value',minInterval:1},
      series:series.map(s=>({name:s.name,type:'bar',stack:'all',barMaxWidth:40,data:s.counts}))}),true);},
  // pie draws the counts [{name,count}].
  pie(id,items){const c=chart(id);if(!c)return;
    if(!items||!items.length){empty(c);return;}
    c.setOption({backgroundColor:'transparent',tooltip:{trigger:'item',formatter:'{b}：{c}条（{d}%）'},legend:{bottom:0,type:'scroll'},
      series:[{type:'pie',radius:['35%','62%'],center:['50%','45%'],data:items.map(i=>({name:i.name,value:i.count,itemStyle:sentColor[i.name]?{color:sentColor[i.name]}:undefined})),label:{formatter:'{b} {d}%'}}]},true);},
  // cloud draws the hot terms [{name,count}] as a word cloud
  // (echarts-wordcloud), the most mentioned largest; without the
  // extension, as a ranking.
  cloud(id,items){const c=chart(id);if(!c)return;
    if(!items||!items.length){empty(c);return;}
    let ok=true;try{c.setOption({backgroundColor:'transparent',tooltip:{formatter:p=>p.name+'：'+p.value+'条'},
      series:[{type:'wordCloud',shape:'circle',left:'center',top:'center',width:'96%',height:'92%',sizeRange:dark?[16,60]:[14,52],rotationRange:[0,0],gridSize:6,
        drawOutOfBound:false,layoutAnimation:false,textStyle:{fontFamily:'sans-serif',fontWeight:'bold',color:p=>cloudColors[p.dataIndex%cloudColors.length]},
        emphasis:{textStyle:{color:dark?'#fff':'#000'}},data:items.map(i=>({name:i.name,value:i.count}))}]},true);}catch(e){ok=false;}
    if(!ok)this.bars(id,items,'#ef6c00');},
  // spark draws counts as a small line without axes, into el.
  spark(el,counts){const c=chart(el);if(!c)return;
    if(!counts.length){empty(c,'—');return;}
    c.setOption({backgroundColor:'transparent',animation:false,grid:{left:2,right:2,top:4,bottom:4},tooltip:{trigger:'axis',formatter:p=>p[0].value+'条'},
      xAxis:{type:'category',show:false,data:counts.map((_,i)=>i)},yAxis:{type:'value',show:false,min:0},
      series:[{type:'line',data:counts,showSymbol:false,smooth:true,lineStyle:{width:1.5,color:'#c62828'},areaStyle:{color:'rgba(198,40,40,0.15)'}}]},true);},
  // bars draws a ranking [{name,count}], the first on top.
  bars(id,items,color){const c=chart(id);if(!c)return;
    if(!items||!items.length){empty(c);return;}
    const top=items.slice(0,12).reverse();
    c.setOption(Object.assign({},base,{tooltip:{trigger:'axis',axisPointer:{type:'shadow'}},xAxis:{type:'value',minInterval:1},
      yAxis:{type:'category',data:top.map(i=>i.name),axisLabel:{width:90,overflow:'truncate'}},series:[{type:'bar',data:top.map(i=>i.count),itemStyle:{color:color||palette[1]},label:{show:true,position:'right'}}]}),true);},
};
})();
