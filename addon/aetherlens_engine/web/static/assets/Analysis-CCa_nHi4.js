import{C as e,D as t,E as n,M as r,N as i,O as a,a as o,g as s,h as c,i as l,j as u,n as d,r as f,t as p,w as m,x as h}from"./index-66HxH0yS.js";function g(e){let t=/^(-?)(\d+)(?:\.(\d+))?$/.exec(e);if(!t)throw Error(`${e} is not an exact decimal`);let[,n,r,i=``]=t,a=BigInt(`${r}${i}`);return{units:n?-a:a,places:i.length}}function _(e,t){let n=e<0n,r=(n?-e:e).toString().padStart(t+1,`0`),i=r.slice(0,r.length-t),a=r.slice(r.length-t).replace(/0+$/,``),o=a?`${i}.${a}`:i;return n&&o!==`0`?`-${o}`:o}function v(e){let t=[...e].map(g),n=Math.max(0,...t.map(e=>e.places));return _(t.reduce((e,t)=>e+t.units*10n**BigInt(n-t.places),0n),n)}function y(e,t){return v([e,t.startsWith(`-`)?t.slice(1):`-${t}`])}function b(e){let t=new Date(`${e}T00:00:00Z`).getUTCDay();return f(e,-((t+6)%7))}function x(e,t,n){if(t===`week`){let t=b(e);return{key:t,first:t,last:f(t,6)}}if(t===`month`){let t=`${e.slice(0,7)}-01`,[n,r]=e.split(`-`).map(Number);return{key:e.slice(0,7),first:t,last:new Date(Date.UTC(n,r,0)).toISOString().slice(0,10)}}let r=t===`cycle`?n.find(t=>t.start<=e&&e<t.end):void 0;return r?{key:r.start,first:r.start,last:f(r.end,-1)}:{key:e,first:e,last:e}}function S(e,t,n){if(t===`device`){let t=e.device_id??null;return t===null?{key:`rest`,name:`Rest of the house`}:{key:`device-${t}`,name:n.get(t)??`Device ${t}`}}return t===`period`?{key:`period-${e.period??``}`,name:e.period??`No period`}:{key:`total`,name:`Total`}}function C(e,{zone:t,by:n,split:r,from:i,to:a,cycles:o=[],names:s=new Map}){let c=new Map,u=new Map,d=new Map;for(let f of e){let e=d.get(f.start);e||(e=x(l(t,f.start),n,o),d.set(f.start,e)),c.has(e.key)||c.set(e.key,{key:e.key,first:e.first<i?i:e.first,last:e.last>a?a:e.last});let p=S(f,r,s),m=u.get(p.key)??{name:p.name,amounts:new Map},h=m.amounts.get(e.key)??[];h.push(f.cost),m.amounts.set(e.key,h),u.set(p.key,m)}let f=[...c.values()].sort((e,t)=>e.first<t.first?-1:1),p=[...u.entries()].map(([e,{name:t,amounts:n}])=>{let r=f.map(e=>v(n.get(e.key)??[]));return{key:e,name:t,amounts:r,total:v(r)}});p.sort((e,t)=>Number(t.total)-Number(e.total)||e.name.localeCompare(t.name));let m=f.map((e,t)=>v(p.map(e=>e.amounts[t])));return{buckets:f,series:p,totals:m,total:v(m)}}function w(e){let[t,n,r]=e.split(`-`).map(Number),i=new Date(Date.UTC(t-1,n,0)).getUTCDate();return`${t-1}-${String(n).padStart(2,`0`)}-${String(Math.min(r,i)).padStart(2,`0`)}`}function T(e,t,n){let r=e=>{let t=new Map;for(let r of e){let e=l(n,r.start).slice(0,7);t.set(e,[...t.get(e)??[],r.cost])}return new Map([...t].map(([e,t])=>[e,v(t)]))},i=r(e),a=r(t);return[...new Set([...i.keys(),...[...a.keys()].map(e=>`${Number(e.slice(0,4))+1}${e.slice(4)}`)])].sort().map(e=>{let t=i.get(e)??`0`,n=a.get(`${Number(e.slice(0,4))-1}${e.slice(4)}`)??null;return{month:e,spent:t,earlier:n,change:n===null?null:y(t,n),percent:n===null||Number(n)===0?null:(Number(t)-Number(n))/Math.abs(Number(n))}})}function E(e,t){return t?`Energy: ${e.period}, tier ${e.tier}`:`Energy: ${e.period}`}var D={energy:`Energy`,surcharges:`Surcharges`,demand:`Demand`,standing:`Standing charges`,minimum:`Minimum bill`,taxes:`Taxes`,credits:`Credits`,rounding:`Rounding`};function O(e){let t=e.cycles.some(e=>e.energy.some(e=>e.tier>1)),n=new Map,r=e.cycles.length,i=(e,t,i,a)=>{let o=`${e}:${t}`,s=n.get(o)??{name:t,kind:e,amounts:Array.from({length:r},()=>[])};s.amounts[i].push(a),n.set(o,s)},a=e=>y(`0`,e);e.cycles.forEach((e,n)=>{for(let r of e.energy)i(`energy`,E(r,t),n,r.cost);for(let t of e.surcharges)i(`surcharges`,t.name,n,t.amount);for(let t of e.demand)i(`demand`,`Demand: ${t.name}`,n,t.cost);for(let t of e.fixed)i(`standing`,t.name,n,t.amount);i(`minimum`,`Minimum bill`,n,e.minimum);for(let t of e.taxes)i(`taxes`,t.percent===null?t.name:`${t.name} (${t.percent} %)`,n,t.amount);i(`credits`,`Export credit`,n,a(e.export_credit)),i(`credits`,`Credit carried in`,n,a(e.carried_credit)),i(`credits`,`Credit not used`,n,e.unused_credit),i(`rounding`,`Rounding`,n,e.rounding)});let o=Object.keys(D),s=[...n.values()].map(e=>{let t=e.amounts.map(e=>v(e));return{name:e.name,kind:e.kind,amounts:t,total:v(t)}}),c={name:`Rounding of the bill`,kind:`rounding`,amounts:e.cycles.map(()=>`0`),total:e.rounding};return[...s,c].filter(e=>v([e.total])!==`0`||e.amounts.some(e=>e!==`0`)).sort((e,t)=>o.indexOf(e.kind)-o.indexOf(t.kind))}function k(e){let t=new Map;for(let n of e.cycles)for(let e of n.energy){let n=`${e.period}\u0000${e.tier}`,r=t.get(n)??{period:e.period,tier:e.tier,kwh:[],cost:[]};r.kwh.push(e.kwh),r.cost.push(e.cost),t.set(n,r)}return[...t.values()].map(e=>({period:e.period,tier:e.tier,kwh:v(e.kwh),cost:v(e.cost)}))}function A(e,t){let n=new Map;for(let r of e){if(r.kind===`rounding`)continue;let e=n.get(r.kind)??Array(t).fill(0);r.amounts.forEach((t,n)=>{e[n]+=Number(t)}),n.set(r.kind,e)}let r=Array(t).fill(0),i=[...n].filter(([e])=>e!==`credits`).map(([e,t])=>({kind:e,label:D[e],values:t.map((e,t)=>r[t]+=e)})),a=n.get(`credits`);return a?[...i,{kind:`credits`,label:D.credits,values:a}]:i}function j(e){return`${e.start} – ${f(e.end,-1)}`}function M(e,t){let n=new Map;if(/^\d{4}-\d{2}-\d{2}$/.test(e)||n.set(`start`,[`give the first day`]),/^\d{4}-\d{2}-\d{2}$/.test(t)||n.set(`end`,[`give the last day`]),n.size>0)return n;let r=(Date.parse(t)-Date.parse(e))/864e5+1;return r<1?n.set(`end`,[`must not be before the first day`]):r>400&&n.set(`end`,[`at most 400 days after the first day (${r} asked)`]),n}function N(e){let t=e===null?``:String(e);return/[",\r\n]/.test(t)?`"${t.replaceAll(`"`,`""`)}"`:t}function P(e,t){return[e,...t].map(e=>e.map(N).join(`,`)).join(`\r
`).concat(`\r
`)}function F(e,t){let n=URL.createObjectURL(new Blob([t],{type:`text/csv;charset=utf-8`})),r=document.createElement(`a`);r.href=n,r.download=e,document.body.append(r),r.click(),r.remove(),setTimeout(()=>URL.revokeObjectURL(n),0)}var I=[`start`,`end`],L={day:`Day`,week:`Week`,month:`Month`,cycle:`Billing cycle`},R={total:`Total`,device:`Device`,period:`Time-of-use period`},z=[`electricity`,`gas`,`water`],B={energy:d[0],surcharges:d[1],demand:d[6],standing:d[2],minimum:d[7],taxes:d[4],credits:d[5]};function V(e,t,n){return{start:o(e,n),end:o(f(t,1),n)}}function H(e){let[t,n]=e.split(`-`).map(Number);return{from:new Date(Date.UTC(t,n-12,1)).toISOString().slice(0,10),to:e}}function U(e,t){return t===`day`?e.first:t===`month`&&e.first.endsWith(`-01`)&&e.last.slice(0,7)===e.key&&f(e.last,1).endsWith(`-01`)?e.key:`${e.first} – ${e.last}`}function W({label:e,onClick:t,testid:n}){return i`<div class="actions"><button type="button" onClick=${t} data-testid=${n}>${e}</button></div>`}function G({shown:e,zone:c,names:l,cycles:u,cycleError:f}){let{start:h,end:g}=V(e.from,e.to,c),_=e.by===`month`?`month`:`day`,v=m(`api/v1/costs${n({start:h,end:g,resolution:_,group:e.split,commodity:e.commodity})}`),y=r(()=>v.data&&(e.by!==`cycle`||u)?C(v.data.rows,{zone:c,by:e.by,split:e.split,from:e.from,to:e.to,cycles:u??[],names:l}):null,[v.data,u,e.by]),b=v.data?.currency??null,x=r(()=>e=>s(e,b),[b]),S=r(()=>{if(!y)return null;let e=Array(y.buckets.length).fill(0);return{x:y.buckets.map(e=>Date.parse(o(e.first,c))/1e3),series:y.series.map((t,n)=>({label:t.name,color:d[n%d.length],values:t.amounts.map((t,n)=>e[n]+=Number(t))}))}},[y]),w=`Spend by ${L[e.by].toLowerCase()}${e.split===`total`?``:`, by ${R[e.split].toLowerCase()}`}`,T;if(v.error)T=i`<${t} error=${v.error} what="the costs" />`;else if(e.by===`cycle`&&f)T=i`<${t} error=${f} what="the billing cycles" />`;else if(!y||!S||!v.data)T=i`<${a} />`;else{let t=v.data,n=e.split!==`total`;T=i`
      <p class="detail">What the ${e.commodity} used from ${e.from} to ${e.to} cost under its active tariff (its unit prices with their surcharges
        and taxes; standing charges, demand and credits are in the bill below):${` `}
        <strong data-testid="spend-total">${s(y.total,t.currency)}</strong></p>
      <${p} x=${S.x} series=${S.series} kind="bars" valueFormat=${x}
        xRange=${[Date.parse(h)/1e3,Date.parse(g)/1e3]}
        label=${`${w}: ${y.series.map(e=>`${e.name} ${x(Number(e.total))}`).join(`, `)}`} />
      <${W} label="Download spend as CSV" onClick=${()=>F(`aetherlens-${e.commodity}-spend-by-${e.by}-${e.from}-${e.to}.csv`,P([`from`,`to`,...n?y.series.map(e=>`${e.name} (${t.currency})`):[],`total (${t.currency})`],y.buckets.map((e,t)=>[e.first,e.last,...n?y.series.map(e=>e.amounts[t]):[],y.totals[t]])))} testid="spend-csv" />
      <div class="table-scroll" tabindex="0" role="region" aria-label=${`${w}, table`}>
        <table class="analysis" data-testid="spend-table">
          <thead><tr><th scope="col">${L[e.by]}</th>
            ${n&&y.series.map(e=>i`<th scope="col" class="num" key=${e.key}>${e.name}</th>`)}
            <th scope="col" class="num">Total</th></tr></thead>
          <tbody>${y.buckets.map((r,a)=>i`<tr key=${r.key} data-testid="spend-row" data-first=${r.first} data-last=${r.last}>
            <th scope="row">${U(r,e.by)}</th>
            ${n&&y.series.map(e=>i`<td class="num" key=${e.key}>${s(e.amounts[a],t.currency)}</td>`)}
            <td class="num" data-testid="spend-row-total">${s(y.totals[a],t.currency)}</td>
          </tr>`)}</tbody>
        </table>
      </div>`}return i`<section class="card wide" aria-labelledby="spend-title">
    <h2 id="spend-title">${w}</h2>
    ${T}
  </section>`}function K({shown:e,zone:c}){let l=V(e.from,e.to,c),u=V(w(e.from),w(e.to),c),f=m(`api/v1/costs${n({...l,resolution:`month`,commodity:e.commodity})}`),h=m(`api/v1/costs${n({...u,resolution:`month`,commodity:e.commodity})}`),g=r(()=>f.data&&h.data?T(f.data.rows,h.data.rows,c):null,[f.data,h.data]),_=f.data?.currency??null,v=r(()=>e=>s(e,_),[_]),y=r(()=>g?{x:g.map(e=>Date.parse(o(`${e.month}-01`,c))/1e3),series:[{label:`This range`,color:d[0],values:g.map(e=>Number(e.spent))},{label:`A year before`,color:d[1],values:g.map(e=>e.earlier===null?null:Number(e.earlier))}]}:null,[g]),b,x=f.error??h.error;return b=x?i`<${t} error=${x} what="last year's costs" />`:!g||!y||!_?i`<${a} />`:i`
      <${p} x=${y.x} series=${y.series} kind="lines" valueFormat=${v}
        label=${`Spend per month against a year before: ${g.map(e=>`${e.month} ${v(Number(e.spent))} (${e.earlier===null?`nothing recorded`:v(Number(e.earlier))} a year before)`).join(`, `)}`} />
      <${W} label="Download year over year as CSV" onClick=${()=>F(`aetherlens-${e.commodity}-year-over-year-${e.from}-${e.to}.csv`,P([`month`,`spend (${_})`,`a year before (${_})`,`change (${_})`],g.map(e=>[e.month,e.spent,e.earlier,e.change])))} testid="yoy-csv" />
      <div class="table-scroll" tabindex="0" role="region" aria-label="Year over year, table">
        <table class="analysis" data-testid="yoy-table">
          <thead><tr><th scope="col">Month</th><th scope="col" class="num">Spend</th><th scope="col" class="num">A year before</th>
            <th scope="col" class="num">Change</th></tr></thead>
          <tbody>${g.map(e=>i`<tr key=${e.month} data-testid="yoy-row" data-month=${e.month}>
            <th scope="row">${e.month}</th>
            <td class="num">${s(e.spent,_)}</td>
            <td class="num">${e.earlier===null?`not recorded`:s(e.earlier,_)}</td>
            <td class="num">${e.change===null?`—`:`${Number(e.change)>0?`+`:``}${s(e.change,_)}${e.percent===null?``:` (${e.percent>0?`+`:``}${Math.round(e.percent*100)} %)`}`}</td>
          </tr>`)}</tbody>
        </table>
      </div>`,i`<section class="card wide" aria-labelledby="yoy-title">
    <h2 id="yoy-title">Year over year</h2>
    <p class="detail">Energy cost per month of the range, and of the same months a year before.</p>
    ${b}
  </section>`}function q({shown:e,bill:n,unit:o}){let l=r(()=>n.data?O(n.data):null,[n.data]),u=r(()=>n.data?k(n.data):null,[n.data]),f;if(n.error)f=i`<${t} error=${n.error} what="the bill" />`;else if(n.loading||!n.data||!l||!u)f=i`<${a} />`;else{let t=n.data,r=e=>s(e,t.currency),a=[...A(l,t.cycles.length).map(e=>({label:e.label,color:B[e.kind],values:e.values})),{label:`Total`,color:d[3],kind:`lines`,values:t.cycles.map(e=>Number(e.total))}],m=t.cycles.map(j);f=i`
      <p class="detail">${t.tariff}, ${t.cycles.length} cycles, each billed whole (standing charges, demand, taxes and credits included):${` `}
        <strong data-testid="bill-total">${s(t.total,t.currency)}</strong></p>
      <${p} x=${t.cycles.map(e=>Date.parse(`${e.start}T12:00:00Z`)/1e3)} series=${a} kind="bars" valueFormat=${r}
        label=${`The bill per cycle by component: ${t.cycles.map(e=>`${j(e)} ${r(Number(e.total))}`).join(`, `)}`} />
      <${W} label="Download the bill's components as CSV" onClick=${()=>F(`aetherlens-${e.commodity}-bill-${e.from}-${e.to}.csv`,P([`component (${t.currency})`,...m,`all cycles`],[...l.map(e=>[e.name,...e.amounts,e.total]),[`Total`,...t.cycles.map(e=>e.total),t.total]]))} testid="bill-csv" />
      <div class="table-scroll" tabindex="0" role="region" aria-label="The bill per cycle by component, table">
        <table class="analysis" data-testid="bill-table">
          <thead><tr><th scope="col">Component</th>${m.map(e=>i`<th scope="col" class="num" key=${e}>${e}</th>`)}
            <th scope="col" class="num">All cycles</th></tr></thead>
          <tbody>${l.map(e=>i`<tr key=${`${e.kind}:${e.name}`} data-testid="bill-row" data-name=${e.name}>
            <th scope="row">${e.name}</th>
            ${e.amounts.map((e,n)=>i`<td class="num" key=${m[n]}>${s(e,t.currency)}</td>`)}
            <td class="num">${s(e.total,t.currency)}</td>
          </tr>`)}</tbody>
          <tfoot><tr data-testid="bill-totals"><th scope="row">Total</th>
            ${t.cycles.map(e=>i`<td class="num" key=${e.start}>${s(e.total,t.currency)}</td>`)}
            <td class="num">${s(t.total,t.currency)}</td></tr></tfoot>
        </table>
      </div>
      <h3 id="tiers-title">Energy by time-of-use period and tier</h3>
      <div class="table-scroll" tabindex="0" role="region" aria-labelledby="tiers-title">
        <table class="analysis" data-testid="tier-table">
          <thead><tr><th scope="col">Period</th><th scope="col" class="num">Tier</th><th scope="col" class="num">Energy</th><th scope="col" class="num">Cost</th></tr></thead>
          <tbody>${u.map(e=>i`<tr key=${`${e.period}-${e.tier}`} data-testid="tier-row">
            <th scope="row">${e.period}</th><td class="num">${e.tier}</td><td class="num">${o===`kWh`?c(Number(e.kwh)):`${e.kwh} ${o}`}</td>
            <td class="num">${s(e.cost,t.currency)}</td></tr>`)}</tbody>
        </table>
      </div>`}return i`<section class="card wide" aria-labelledby="bill-title">
    <h2 id="bill-title">The ${e.commodity} bill per cycle</h2>
    ${f}
  </section>`}function J(){let o=m(`api/v1/summary`),s=m(`api/v1/ledger`),[c,d]=u(null),[f,p]=u(null),[g,_]=u(new Map),v=o.data?.timezone??null,y=r(()=>v?{...H(l(v)),commodity:`electricity`,by:`month`,split:`device`}:null,[v]),b=f??y,x=b&&v?V(b.from,b.to,v):null,S=m(x&&b?`api/v1/bill${n({...x,commodity:b.commodity})}`:null),C=r(()=>new Map((o.data?.devices??[]).map(e=>[e.id,e.name])),[o.data]);if(o.error)return i`<${t} error=${o.error} what="the summary" />`;if(s.error)return i`<${t} error=${s.error} what="the ledger" />`;if(!o.data||!s.data||!v||!b)return i`<${a} />`;let w=new Map(s.data.parts.filter(e=>e.tariff!==null).map(e=>[e.commodity,e])),T=z.filter(e=>e===`electricity`||w.has(e)),E=b.commodity===`electricity`?`kWh`:w.get(b.commodity)?.unit??``,D=c??b,O=e=>d({...D,...e}),k=t=>{t.preventDefault();let n=M(D.from,D.to);if(_(n),n.size>0){let t=I.find(e=>n.has(e));requestAnimationFrame(()=>(t?document.getElementById(e(t)):null)?.focus())}else p(D)},A=Object.entries(L).map(([e,t])=>({value:e,label:t})),j=S.data&&!S.loading?S.data.cycles:null;return i`
    <h1 class="view-title">Cost analysis</h1>
    <form class="card wide" onSubmit=${k} noValidate aria-label="What to analyse">
      <div class="fields">
        <${h} path="start" label="From" type="date" value=${D.from} onInput=${e=>O({from:e})} messages=${g.get(`start`)} />
        <${h} path="end" label="To" type="date" value=${D.to} onInput=${e=>O({to:e})} messages=${g.get(`end`)}
          hint=${`the last day shown; at most 400 days`} />
        <${h} path="commodity" label="Commodity" value=${D.commodity} options=${T} onInput=${e=>O({commodity:e})} />
        <${h} path="by" label="Spend by" value=${D.by} options=${A} onInput=${e=>O({by:e})} />
        <${h} path="split" label="Split by" value=${D.split} options=${Object.entries(R).map(([e,t])=>({value:e,label:t}))}
          onInput=${e=>O({split:e})} />
      </div>
      <button type="submit" class="primary">Show</button>
    </form>
    <${G} key=${JSON.stringify(b)} shown=${b} zone=${v} names=${C} cycles=${j} cycleError=${S.error} />
    <${K} key=${JSON.stringify([b.from,b.to,b.commodity])} shown=${b} zone=${v} />
    <${q} key=${JSON.stringify(b)} shown=${b} bill=${S} unit=${E} />
  `}export{J as Analysis};