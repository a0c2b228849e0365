import{C as e,D as t,N as n,O as r,T as i,a,d as o,g as s,j as c,l,o as u,w as d,x as f}from"./index-66HxH0yS.js";import{t as p}from"./Recompute-CeofFqH4.js";var m=[{value:`greenbutton`,label:`Green Button (ESPI XML)`},{value:`csv`,label:`CSV (timestamp,kWh or date + 24/48/96 columns)`}],h=e(`content`);function g(){let[t,r]=c(`greenbutton`),[a,s]=c(``),[l,u]=c(`import`),[d,p]=c(null),[g,_]=c(new Map),[v,y]=c(null),[b,x]=c(!1),S=async n=>{if(n.preventDefault(),d){x(!0),y(null);try{let e={format:t,content:await d.text()};t===`csv`&&(e.flow=l,a.trim()&&(e.meter=a.trim())),y(await i(`api/v1/meter-data`,{method:`POST`,body:e})),_(new Map)}catch(t){let n=o(t)??[{path:`content`,message:t.message}],r=new Set([`format`,`meter`,`flow`]),i=new Map;for(let{path:e,message:a}of n){let n=r.has(e)?e:`content`;i.set(n,[...i.get(n)??[],n===e?a:t.message])}_(i),requestAnimationFrame(()=>document.getElementById(e([...i.keys()][0]))?.focus())}finally{x(!1)}}},C=g.get(`content`);return n`<section class="card" aria-labelledby="meter-data-title">
    <h2 id="meter-data-title">Import meter data</h2>
    <p class="muted">Your utility's interval readings ("Download my data"), stored as a meter of the household and matched like any other.</p>
    <form onSubmit=${S} noValidate>
      <div class="fields">
        <${f} path="format" label="Format" value=${t} options=${m} onInput=${e=>r(e)} messages=${g.get(`format`)} />
        ${t===`csv`&&n`
          <${f} path="meter" label="Meter name" hint="the utility's; empty: utility meter" value=${a} onInput=${s} messages=${g.get(`meter`)} />
          <${f} path="flow" label="Energy" value=${l} options=${[{value:`import`,label:`from the grid`},{value:`export`,label:`to the grid`}]}
            onInput=${e=>u(e===`export`?`export`:`import`)} messages=${g.get(`flow`)} />`}
      </div>
      <div class=${`field wide${C?` invalid`:``}`}>
        <label for=${h}>File</label>
        <input id=${h} type="file" accept=".xml,.csv,application/xml,text/csv" aria-invalid=${C?`true`:void 0}
          aria-describedby=${C?`${h}-error`:void 0}
          onChange=${e=>p(e.currentTarget.files?.[0]??null)} />
        ${C&&n`<p class="field-error" id=${`${h}-error`}>${C.join(` · `)}</p>`}
      </div>
      <button type="submit" disabled=${b||!d}>Import</button>
    </form>
    ${v&&n`<div role="status" data-testid="meter-data-result">
      <p>Imported ${v.meters.length} meter${v.meters.length===1?``:`s`} (${v.source}); ${v.summaries} billed period${v.summaries===1?``:`s`} new.</p>
      <ul>${v.meters.map(e=>n`<li key=${e.device_id}>${e.name}: ${e.stored} new of ${e.pieces} (${e.duplicates} already recorded, ${e.covered} recorded by another meter)</li>`)}</ul>
    </div>`}
  </section>`}var _={energy:`Energy`,standing:`Standing charge`,demand:`Demand`,rider:`Rider`,tax:`Tax`,credit:`Credit`};function v(){return{kind:`energy`,name:``,amount:``,period:``,tier:``,kwh:``}}function y(){return{start:``,end:``,total:``,tariff:``,lines:[v()]}}function b(e){let t={start:e.start.trim(),end:e.end.trim(),total:e.total.trim()};return e.tariff&&(t.tariff=e.tariff),t.lines=e.lines.map(e=>{let t={kind:e.kind,name:e.name.trim(),amount:e.amount.trim()};return e.period.trim()&&(t.period=e.period.trim()),e.tier.trim()&&(t.tier=/^\d+$/.test(e.tier.trim())?Number(e.tier.trim()):e.tier.trim()),e.kwh.trim()&&(t.kwh=e.kwh.trim()),t}),t}function x(e){return[`start`,`end`,`total`,`tariff`,`lines`,...e.lines.flatMap((e,t)=>[``,`.kind`,`.name`,`.amount`,`.period`,`.tier`,`.kwh`].map(e=>`lines[${t}]${e}`))]}var S=e=>Object.entries(e).map(([e,t])=>({value:e,label:t}));function C(t,n){let r=l(o(t)??[{path:``,message:t.message}],n),i=n.find(e=>r.has(e));return requestAnimationFrame(()=>(i?document.getElementById(e(i)):null)?.focus()),r}function w({messages:e,id:t}){return e?n`<p class="error-note" role="alert" id=${t} tabindex="-1">${e.join(` · `)}</p>`:null}function T({statement:e}){let t=e.currency,r=`${e.start} – ${u(e.end)}`;return n`<li class="statement" data-testid="statement" data-id=${e.id} data-over=${String(e.over_threshold)}>
    <h3>${r} <span class="muted">(${e.tariff}, ${e.source})</span></h3>
    <p class="detail">Statement ${s(e.total,t)} · engine ${s(e.engine_total,t)} ·
      <strong data-testid="statement-residual">residual ${s(e.residual,t)}</strong>
      ${e.over_threshold?n` <span class="over">above the threshold</span>`:``}</p>
    ${e.error&&n`<p class="error-note" data-testid="statement-error">The engine cannot bill this cycle: ${e.error}</p>`}
    ${e.lines.length>0&&n`<div class="table-scroll" tabindex="0" role="region" aria-label=${`Lines of ${r}`}><table class="statement-lines">
      <thead><tr><th scope="col">Line</th><th scope="col" class="num">Statement</th><th scope="col" class="num">Engine</th><th scope="col" class="num">Residual</th></tr></thead>
      <tbody>${e.lines.map((e,r)=>n`<tr key=${r} data-testid="statement-line">
        <th scope="row">${e.name} <span class="muted">(${_[e.kind]})</span></th>
        <td class="num">${s(e.statement,t)}</td>
        <td class="num">${s(e.engine,t)}</td>
        <td class="num">${s(e.residual,t)}</td>
      </tr>`)}</tbody>
    </table></div>`}
    ${e.findings.length>0&&n`<ul class="findings">${e.findings.map(e=>n`<li key=${e.cause}>${e.detail}</li>`)}</ul>`}
  </li>`}function E({tariffs:e,onSaved:t}){let[r,a]=c(y),[o,s]=c(new Map),[l,u]=c(!1),d=e=>t=>a(n=>({...n,[e]:t})),p=(e,t)=>n=>a(r=>({...r,lines:r.lines.map((r,i)=>i===e?{...r,[t]:n}:r)}));return n`<section class="card" aria-labelledby="record-title">
    <h2 id="record-title">Record a statement</h2>
    <form onSubmit=${async e=>{e.preventDefault(),u(!0);try{let e=await i(`api/v1/statements`,{method:`POST`,body:b(r)});s(new Map),a(y()),t(e)}catch(e){s(C(e,x(r)))}finally{u(!1)}}} noValidate>
      <div class="fields">
        <${f} path="start" label="First day" type="date" value=${r.start} onInput=${d(`start`)} messages=${o.get(`start`)} />
        <${f} path="end" label="Day after the last" type="date" value=${r.end} onInput=${d(`end`)} messages=${o.get(`end`)} />
        <${f} path="total" label="Total" inputMode="decimal" value=${r.total} onInput=${d(`total`)} messages=${o.get(`total`)} />
        <${f} path="tariff" label="Billed under" value=${r.tariff} onInput=${d(`tariff`)} messages=${o.get(`tariff`)}
          options=${[{value:``,label:`the active tariff`},...e]} />
      </div>
      <fieldset>
        <legend>Lines, as the bill shows them (a credit is negative)</legend>
        ${r.lines.map((e,t)=>n`<div class="period-row" key=${t} role="group" aria-label=${`Line ${t+1}`}>
          <${f} path=${`lines[${t}].kind`} label="Kind" value=${e.kind} options=${S(_)} onInput=${p(t,`kind`)} messages=${o.get(`lines[${t}].kind`)} />
          <${f} path=${`lines[${t}].name`} label="Name" value=${e.name} onInput=${p(t,`name`)} messages=${o.get(`lines[${t}].name`)} />
          <${f} path=${`lines[${t}].amount`} label="Amount" inputMode="decimal" value=${e.amount} onInput=${p(t,`amount`)} messages=${o.get(`lines[${t}].amount`)} />
          ${e.kind===`energy`&&n`
            <${f} path=${`lines[${t}].period`} label="Period" hint="the tariff's; empty: all" value=${e.period} onInput=${p(t,`period`)} messages=${o.get(`lines[${t}].period`)} />
            <${f} path=${`lines[${t}].tier`} label="Tier" hint="1, 2, …; empty: all" inputMode="numeric" value=${e.tier} onInput=${p(t,`tier`)} messages=${o.get(`lines[${t}].tier`)} />
            <${f} path=${`lines[${t}].kwh`} label="kWh" inputMode="decimal" value=${e.kwh} onInput=${p(t,`kwh`)} messages=${o.get(`lines[${t}].kwh`)} />`}
          <button type="button" class="link" aria-label=${`Remove line ${t+1}`}
            onClick=${()=>a(e=>({...e,lines:e.lines.filter((e,n)=>n!==t)}))}>Remove</button>
          ${o.get(`lines[${t}]`)&&n`<p class="field-error">${o.get(`lines[${t}]`)?.join(` · `)}</p>`}
        </div>`)}
        <button type="button" onClick=${()=>a(e=>({...e,lines:[...e.lines,v()]}))}>Add line</button>
      </fieldset>
      <${w} messages=${o.get(`general`)??o.get(`lines`)} id="statement-message" />
      <button type="submit" class="primary" disabled=${l}>Record statement</button>
    </form>
  </section>`}function D({onSaved:t}){let[r,a]=c(``),[o,s]=c(new Map),[l,u]=c(!1);return n`<section class="card" aria-labelledby="import-title">
    <h2 id="import-title">Import statements (CSV)</h2>
    <form onSubmit=${async e=>{e.preventDefault(),u(!0);try{let e=await i(`api/v1/statements/import`,{method:`POST`,body:{csv:r}});s(new Map),a(``),t(e.statements.length)}catch(e){s(C(e,[`csv`,`tariff`]))}finally{u(!1)}}} noValidate>
      <div class="field"><label for="statements-file">CSV file</label>
        <input id="statements-file" type="file" accept="text/csv,.csv" onChange=${async e=>{let t=e.currentTarget.files?.[0];t&&a(await t.text())}} /></div>
      <div class=${`field wide${o.has(`csv`)?` invalid`:``}`}>
        <label for=${e(`csv`)}>CSV</label>
        <textarea id=${e(`csv`)} rows="6" value=${r} aria-describedby=${`${e(`csv`)}-hint${o.has(`csv`)?` ${e(`csv`)}-error`:``}`}
          aria-invalid=${o.has(`csv`)?`true`:void 0}
          onInput=${e=>a(e.currentTarget.value)}></textarea>
        <small class="hint" id=${`${e(`csv`)}-hint`}>start,end,kind,name,amount,period,tier,kwh: a total row per cycle, a row per line</small>
        ${o.has(`csv`)&&n`<p class="field-error" id=${`${e(`csv`)}-error`}>${o.get(`csv`)?.join(` · `)}</p>`}
      </div>
      <${w} messages=${o.get(`general`)} id="import-message" />
      <button type="submit" disabled=${l||!r}>Import</button>
    </form>
  </section>`}function O({refresh:e,onApplied:o}){let s=d(`api/v1/statements/calibration`,e),[l,f]=c(null),[m,h]=c(null),g;if(s.error){let e=s.error.status;g=e===409||e===404?n`<p class="empty" data-testid="calibration-none">No proposal: ${s.error.message}</p>`:n`<${t} error=${s.error} what="the calibration" />`}else if(!s.data)g=n`<${r} />`;else{let e=s.data,t=e.basis===`per_kwh`?`per kWh`:`per day`;g=n`
      <p data-testid="calibration">${e.tariff} (version ${e.based_on_version}) with <strong>${e.name}</strong> of
        <strong data-testid="calibration-amount">${e.amount}</strong> ${t}
        ${e.explains?` leaves every fitted statement within the threshold.`:` would not explain every statement.`}</p>
      <div class="table-scroll" tabindex="0" role="region" aria-label="Residuals under the proposal"><table>
        <thead><tr><th scope="col">Statement</th><th scope="col" class="num">Residual now</th><th scope="col" class="num">With the change</th></tr></thead>
        <tbody>${e.statements.map(e=>n`<tr key=${e.id} data-testid="calibrated">
          <th scope="row">${e.start} – ${u(e.end)}${e.fitted?``:` (not fully recorded: not fitted)`}</th>
          <td class="num">${e.residual}</td><td class="num" data-testid="residual-after">${e.residual_after}</td>
        </tr>`)}</tbody>
      </table></div>
      ${l?n`<p role="status" data-testid="calibration-applied">Saved ${l.name} version ${l.version}.</p>
            ${l.recompute&&n`<${p} start=${l.recompute} />`}`:n`<button type="button" class="primary" onClick=${async()=>{h(null);try{let t=e.statements.find(e=>e.fitted)??e.statements[0],n={name:e.tariff,definition:e.definition};t&&(n.valid_from=a(t.start,String(e.definition.timezone))),f(await i(`api/v1/tariffs`,{method:`POST`,body:n})),o()}catch(e){h(e)}}}>Apply as new version of ${e.tariff}</button>`}
      ${m&&n`<p class="error-note" role="alert">Could not save it: ${m.message}</p>`}`}return n`<section class="card" aria-labelledby="calibration-title">
    <h2 id="calibration-title">Calibration</h2>
    <p class="muted">A constant amount per kWh or per day that would explain the residuals, as a new tariff version from the first
      statement on: nothing changes until you apply it.</p>
    ${g}
  </section>`}function k(){let[e,i]=c(0),[a,o]=c(``),l=d(`api/v1/statements`,e),u=d(`api/v1/tariffs`),f=e=>{o(e),i(e=>e+1)},p;return p=l.error?n`<${t} error=${l.error} what="the statements" />`:l.data?l.data.statements.length===0?n`<p class="empty">No statements yet: record one below, or import them.</p>`:n`<ul class="statements">${l.data.statements.map(e=>n`<${T} key=${e.id} statement=${e} />`)}</ul>`:n`<${r} />`,n`
    <h1 class="view-title">Statements</h1>
    <p class="muted">Your paper bills beside the engine's bill for the same days, line by line${l.data?` (flagged above ${l.data.threshold})`:``}.</p>
    <p role="status" data-testid="statement-notice">${a}</p>
    <section class="card wide" aria-labelledby="statements-title">
      <h2 id="statements-title">Recorded statements</h2>
      ${p}
    </section>
    <div class="grid two">
      <${E} tariffs=${(u.data?.tariffs??[]).map(e=>e.name)}
        onSaved=${e=>f(`Recorded the statement of ${e.start}: residual ${s(e.residual,e.currency)}.`)} />
      <${O} refresh=${e} onApplied=${()=>f(`Saved the calibrated tariff version.`)} />
      <${D} onSaved=${e=>f(`Imported ${e} statement${e===1?``:`s`}.`)} />
      <${g} />
    </div>
  `}export{k as Statements};