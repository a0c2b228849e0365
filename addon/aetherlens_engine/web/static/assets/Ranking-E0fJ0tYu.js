import{A as e,C as t,D as n,E as r,M as i,S as a,a as o,b as s,c,h as l,i as u,o as d,r as f,s as p,u as m,w as h,y as g}from"./index-D_SKwj2K.js";var _=[`tariffs`,`start`,`end`];function v({bill:e,currency:t}){let n=Number(e.difference);return i`<tr data-testid="ranked-bill" data-tariff=${e.tariff} data-rank=${e.rank}>
    <td class="num">${e.rank}</td>
    <th scope="row">${e.tariff}${e.reference?i` <span class="muted">(active)</span>`:``}</th>
    <td class="num" data-testid="ranked-total">${l(e.total,t)}</td>
    <td class="num">${e.reference?`—`:`${n>0?`+`:``}${l(e.difference,t)}`}</td>
    <td>
      <details>
        <summary>Components</summary>
        <table data-testid="ranked-lines"><tbody>
          ${p(e).map(e=>i`<tr key=${e.label}><th scope="row">${e.label}</th><td class="num">${l(e.amount,t)}</td></tr>`)}
        </tbody></table>
      </details>
    </td>
  </tr>`}function y(){let l=t(`api/v1/tariffs`),p=t(`api/v1/summary`),[y,b]=e([]),[x,S]=e(``),[C,w]=e(``),[T,E]=e(new Map),[D,O]=e(null),[k,A]=e(!1);if(l.error)return i`<${r} error=${l.error} what="the tariffs" />`;if(p.error)return i`<${r} error=${p.error} what="the summary" />`;if(!l.data||!p.data)return i`<${n} />`;let j=p.data.timezone,M=l.data.active,N=l.data.tariffs.map(e=>e.name).filter(e=>e!==M);return i`
    <h1 class="view-title">Rank tariffs</h1>
    ${M?i`<form class="card" onSubmit=${async e=>{e.preventDefault(),A(!0);try{let e={tariffs:y};x&&(e.start=o(x,j)),C&&(e.end=o(f(C,1),j)),O(await h(`api/v1/rank`,{method:`POST`,body:e})),E(new Map)}catch(e){O(null);let t=c(m(e)??[{path:``,message:e.message}],_);E(t);let n=_.find(e=>t.has(e));requestAnimationFrame(()=>(n?document.getElementById(a(n)):null)?.focus())}finally{A(!1)}}} noValidate>
          <p class="muted">Your recorded usage priced under ${M} and the tariffs you choose, cheapest first.</p>
          <${g} path="tariffs" label="Tariffs to rank" options=${N} selected=${y} onChange=${b} messages=${T.get(`tariffs`)} />
          <div class="fields">
            <${s} path="start" label="From" type="date" value=${x} onInput=${S} messages=${T.get(`start`)} hint="both dates, or neither: the last full cycle" />
            <${s} path="end" label="To" type="date" value=${C} onInput=${w} messages=${T.get(`end`)} />
          </div>
          ${T.get(`general`)&&i`<p class="error-note" role="alert">${T.get(`general`)?.join(` · `)}</p>`}
          <button type="submit" class="primary" disabled=${k}>Rank</button>
        </form>`:i`<p class="empty">Activate a tariff first: the ranking prices your recorded usage on its billing cycles.</p>`}
    ${D&&i`<section class="card wide table-scroll" aria-labelledby="ranking-title" tabindex="0">
      <h2 id="ranking-title" data-testid="ranking-range">${`${D.bills.length} bills from ${u(j,D.start)} to ${d(u(j,D.end))}`}</h2>
      <table class="ranking">
        <thead><tr><th scope="col" class="num">Rank</th><th scope="col">Tariff</th><th scope="col" class="num">Total</th>
          <th scope="col" class="num">Than ${M}</th><th scope="col">What it is made of</th></tr></thead>
        <tbody>${D.bills.map(e=>i`<${v} key=${e.source} bill=${e} currency=${D.currency} />`)}</tbody>
      </table>
    </section>`}
  `}export{y as Ranking};