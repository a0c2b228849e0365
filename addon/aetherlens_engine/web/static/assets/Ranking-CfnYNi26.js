import{C as e,D as t,O as n,_ as r,a as i,b as a,c as o,f as s,g as c,i as l,n as u,o as d,r as f,t as p,w as m,x as h,y as g}from"./index-CJKbv7au.js";var _=[`tariffs`,`start`,`end`];function v({bill:e,currency:t}){let r=Number(e.difference);return n`<tr data-testid="ranked-bill" data-tariff=${e.tariff} data-rank=${e.rank}>
    <td class="num">${e.rank}</td>
    <th scope="row">${e.tariff}${e.reference?n` <span class="muted">(active)</span>`:``}</th>
    <td class="num" data-testid="ranked-total">${s(e.total,t)}</td>
    <td class="num">${e.reference?`—`:`${r>0?`+`:``}${s(e.difference,t)}`}</td>
    <td>
      <details>
        <summary>Components</summary>
        <table data-testid="ranked-lines"><tbody>
          ${i(e).map(e=>n`<tr key=${e.label}><th scope="row">${e.label}</th><td class="num">${s(e.amount,t)}</td></tr>`)}
        </tbody></table>
      </details>
    </td>
  </tr>`}function y(){let i=a(`api/v1/tariffs`),s=a(`api/v1/summary`),[y,b]=t([]),[x,S]=t(``),[C,w]=t(``),[T,E]=t(new Map),[D,O]=t(null),[k,A]=t(!1);if(i.error)return n`<${e} error=${i.error} what="the tariffs" />`;if(s.error)return n`<${e} error=${s.error} what="the summary" />`;if(!i.data||!s.data)return n`<${m} />`;let j=s.data.timezone,M=i.data.active,N=i.data.tariffs.map(e=>e.name).filter(e=>e!==M);return n`
    <h1 class="view-title">Rank tariffs</h1>
    ${M?n`<form class="card" onSubmit=${async e=>{e.preventDefault(),A(!0);try{let e={tariffs:y};x&&(e.start=f(x,j)),C&&(e.end=f(p(C,1),j)),O(await h(`api/v1/rank`,{method:`POST`,body:e})),E(new Map)}catch(e){O(null);let t=d(o(e)??[{path:``,message:e.message}],_);E(t);let n=_.find(e=>t.has(e));requestAnimationFrame(()=>(n?document.getElementById(g(n)):null)?.focus())}finally{A(!1)}}} noValidate>
          <p class="muted">Your recorded usage priced under ${M} and the tariffs you choose, cheapest first.</p>
          <${c} path="tariffs" label="Tariffs to rank" options=${N} selected=${y} onChange=${b} messages=${T.get(`tariffs`)} />
          <div class="fields">
            <${r} path="start" label="From" type="date" value=${x} onInput=${S} messages=${T.get(`start`)} hint="both dates, or neither: the last full cycle" />
            <${r} path="end" label="To" type="date" value=${C} onInput=${w} messages=${T.get(`end`)} />
          </div>
          ${T.get(`general`)&&n`<p class="error-note" role="alert">${T.get(`general`)?.join(` · `)}</p>`}
          <button type="submit" class="primary" disabled=${k}>Rank</button>
        </form>`:n`<p class="empty">Activate a tariff first: the ranking prices your recorded usage on its billing cycles.</p>`}
    ${D&&n`<section class="card wide table-scroll" aria-labelledby="ranking-title" tabindex="0">
      <h2 id="ranking-title" data-testid="ranking-range">${`${D.bills.length} bills from ${u(j,D.start)} to ${l(u(j,D.end))}`}</h2>
      <table class="ranking">
        <thead><tr><th scope="col" class="num">Rank</th><th scope="col">Tariff</th><th scope="col" class="num">Total</th>
          <th scope="col" class="num">Than ${M}</th><th scope="col">What it is made of</th></tr></thead>
        <tbody>${D.bills.map(e=>n`<${v} key=${e.source} bill=${e} currency=${D.currency} />`)}</tbody>
      </table>
    </section>`}
  `}export{y as Ranking};