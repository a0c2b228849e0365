import{C as e,D as t,N as n,O as r,T as i,a,b as o,d as s,g as c,i as l,j as u,l as d,o as f,r as p,s as m,w as h,x as g}from"./index-66HxH0yS.js";var _=[`tariffs`,`start`,`end`];function v({bill:e,currency:t}){let r=Number(e.difference);return n`<tr data-testid="ranked-bill" data-tariff=${e.tariff} data-rank=${e.rank}>
    <td class="num">${e.rank}</td>
    <th scope="row">${e.tariff}${e.reference?n` <span class="muted">(active)</span>`:``}</th>
    <td class="num" data-testid="ranked-total">${c(e.total,t)}</td>
    <td class="num">${e.reference?`—`:`${r>0?`+`:``}${c(e.difference,t)}`}</td>
    <td>
      <details>
        <summary>Components</summary>
        <table data-testid="ranked-lines"><tbody>
          ${m(e).map(e=>n`<tr key=${e.label}><th scope="row">${e.label}</th><td class="num">${c(e.amount,t)}</td></tr>`)}
        </tbody></table>
      </details>
    </td>
  </tr>`}function y(){let c=h(`api/v1/tariffs`),m=h(`api/v1/summary`),[y,b]=u([]),[x,S]=u(``),[C,w]=u(``),[T,E]=u(new Map),[D,O]=u(null),[k,A]=u(!1);if(c.error)return n`<${t} error=${c.error} what="the tariffs" />`;if(m.error)return n`<${t} error=${m.error} what="the summary" />`;if(!c.data||!m.data)return n`<${r} />`;let j=m.data.timezone,M=c.data.active,N=c.data.tariffs.map(e=>e.name).filter(e=>e!==M);return n`
    <h1 class="view-title">Rank tariffs</h1>
    ${M?n`<form class="card" onSubmit=${async t=>{t.preventDefault(),A(!0);try{let e={tariffs:y};x&&(e.start=a(x,j)),C&&(e.end=a(p(C,1),j)),O(await i(`api/v1/rank`,{method:`POST`,body:e})),E(new Map)}catch(t){O(null);let n=d(s(t)??[{path:``,message:t.message}],_);E(n);let r=_.find(e=>n.has(e));requestAnimationFrame(()=>(r?document.getElementById(e(r)):null)?.focus())}finally{A(!1)}}} noValidate>
          <p class="muted">Your recorded usage priced under ${M} and the tariffs you choose, cheapest first.</p>
          <${o} path="tariffs" label="Tariffs to rank" options=${N} selected=${y} onChange=${b} messages=${T.get(`tariffs`)} />
          <div class="fields">
            <${g} path="start" label="From" type="date" value=${x} onInput=${S} messages=${T.get(`start`)} hint="both dates, or neither: the last full cycle" />
            <${g} path="end" label="To" type="date" value=${C} onInput=${w} messages=${T.get(`end`)} />
          </div>
          ${T.get(`general`)&&n`<p class="error-note" role="alert">${T.get(`general`)?.join(` · `)}</p>`}
          <button type="submit" class="primary" disabled=${k}>Rank</button>
        </form>`:n`<p class="empty">Activate a tariff first: the ranking prices your recorded usage on its billing cycles.</p>`}
    ${D&&n`<section class="card wide table-scroll" aria-labelledby="ranking-title" tabindex="0">
      <h2 id="ranking-title" data-testid="ranking-range">${`${D.bills.length} bills from ${l(j,D.start)} to ${f(l(j,D.end))}`}</h2>
      <table class="ranking">
        <thead><tr><th scope="col" class="num">Rank</th><th scope="col">Tariff</th><th scope="col" class="num">Total</th>
          <th scope="col" class="num">Than ${M}</th><th scope="col">What it is made of</th></tr></thead>
        <tbody>${D.bills.map(e=>n`<${v} key=${e.source} bill=${e} currency=${D.currency} />`)}</tbody>
      </table>
    </section>`}
  `}export{y as Ranking};