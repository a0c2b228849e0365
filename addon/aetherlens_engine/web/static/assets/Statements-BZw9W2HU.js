import{C as e,D as t,O as n,_ as r,b as i,c as a,f as o,i as s,o as c,r as l,w as u,x as d,y as f}from"./index-CJKbv7au.js";import{t as p}from"./Recompute-BSEnBTYR.js";var m=[{value:`greenbutton`,label:`Green Button (ESPI XML)`},{value:`csv`,label:`CSV (timestamp,kWh or date + 24/48/96 columns)`}],h=f(`content`);function g(){let[e,i]=t(`greenbutton`),[o,s]=t(``),[c,l]=t(`import`),[u,p]=t(null),[g,_]=t(new Map),[v,y]=t(null),[b,x]=t(!1),S=async t=>{if(t.preventDefault(),u){x(!0),y(null);try{let t={format:e,content:await u.text()};e===`csv`&&(t.flow=c,o.trim()&&(t.meter=o.trim())),y(await d(`api/v1/meter-data`,{method:`POST`,body:t})),_(new Map)}catch(e){let t=a(e)??[{path:`content`,message:e.message}],n=new Set([`format`,`meter`,`flow`]),r=new Map;for(let{path:i,message:a}of t){let t=n.has(i)?i:`content`;r.set(t,[...r.get(t)??[],t===i?a:e.message])}_(r),requestAnimationFrame(()=>document.getElementById(f([...r.keys()][0]))?.focus())}finally{x(!1)}}},C=g.get(`content`);return n`<section class="card" aria-labelledby="meter-data-title">
    <h2 id="meter-data-title">Import meter data</h2>
    <p class="muted">Your utility's interval readings ("Download my data"), stored as a meter of the household and matched like any other.</p>
    <form onSubmit=${S} noValidate>
      <div class="fields">
        <${r} path="format" label="Format" value=${e} options=${m} onInput=${e=>i(e)} messages=${g.get(`format`)} />
        ${e===`csv`&&n`
          <${r} path="meter" label="Meter name" hint="the utility's; empty: utility meter" value=${o} onInput=${s} messages=${g.get(`meter`)} />
          <${r} path="flow" label="Energy" value=${c} options=${[{value:`import`,label:`from the grid`},{value:`export`,label:`to the grid`}]}
            onInput=${e=>l(e===`export`?`export`:`import`)} messages=${g.get(`flow`)} />`}
      </div>
      <div class=${`field wide${C?` invalid`:``}`}>
        <label for=${h}>File</label>
        <input id=${h} type="file" accept=".xml,.csv,application/xml,text/csv" aria-invalid=${C?`true`:void 0}
          aria-describedby=${C?`${h}-error`:void 0}
          onChange=${e=>p(e.currentTarget.files?.[0]??null)} />
        ${C&&n`<p class="field-error" id=${`${h}-error`}>${C.join(` · `)}</p>`}
      </div>
      <button type="submit" disabled=${b||!u}>Import</button>
    </form>
    ${v&&n`<div role="status" data-testid="meter-data-result">
      <p>Imported ${v.meters.length} meter${v.meters.length===1?``:`s`} (${v.source}); ${v.summaries} billed period${v.summaries===1?``:`s`} new.</p>
      <ul>${v.meters.map(e=>n`<li key=${e.device_id}>${e.name}: ${e.stored} new of ${e.pieces} (${e.duplicates} already recorded, ${e.covered} recorded by another meter)</li>`)}</ul>
    </div>`}
  </section>`}var _={energy:`Energy`,standing:`Standing charge`,demand:`Demand`,rider:`Rider`,tax:`Tax`,credit:`Credit`};function v(){return{kind:`energy`,name:``,amount:``,period:``,tier:``,kwh:``}}function y(){return{start:``,end:``,total:``,tariff:``,lines:[v()]}}function b(e){let t={start:e.start.trim(),end:e.end.trim(),total:e.total.trim()};return e.tariff&&(t.tariff=e.tariff),t.lines=e.lines.map(e=>{let t={kind:e.kind,name:e.name.trim(),amount:e.amount.trim()};return e.period.trim()&&(t.period=e.period.trim()),e.tier.trim()&&(t.tier=/^\d+$/.test(e.tier.trim())?Number(e.tier.trim()):e.tier.trim()),e.kwh.trim()&&(t.kwh=e.kwh.trim()),t}),t}function x(e){return[`start`,`end`,`total`,`tariff`,`lines`,...e.lines.flatMap((e,t)=>[``,`.kind`,`.name`,`.amount`,`.period`,`.tier`,`.kwh`].map(e=>`lines[${t}]${e}`))]}var S=e=>Object.entries(e).map(([e,t])=>({value:e,label:t}));function C(e,t){let n=c(a(e)??[{path:``,message:e.message}],t),r=t.find(e=>n.has(e));return requestAnimationFrame(()=>(r?document.getElementById(f(r)):null)?.focus()),n}function w({messages:e,id:t}){return e?n`<p class="error-note" role="alert" id=${t} tabindex="-1">${e.join(` · `)}</p>`:null}function T({statement:e}){let t=e.currency,r=`${e.start} – ${s(e.end)}`;return n`<li class="statement" data-testid="statement" data-id=${e.id} data-over=${String(e.over_threshold)}>
    <h3>${r} <span class="muted">(${e.tariff}, ${e.source})</span></h3>
    <p class="detail">Statement ${o(e.total,t)} · engine ${o(e.engine_total,t)} ·
      <strong data-testid="statement-residual">residual ${o(e.residual,t)}</strong>
      ${e.over_threshold?n` <span class="over">above the threshold</span>`:``}</p>
    ${e.error&&n`<p class="error-note" data-testid="statement-error">The engine cannot bill this cycle: ${e.error}</p>`}
    ${e.lines.length>0&&n`<div class="table-scroll" tabindex="0" role="region" aria-label=${`Lines of ${r}`}><table class="statement-lines">
      <thead><tr><th scope="col">Line</th><th scope="col" class="num">Statement</th><th scope="col" class="num">Engine</th><th scope="col" class="num">Residual</th></tr></thead>
      <tbody>${e.lines.map((e,r)=>n`<tr key=${r} data-testid="statement-line">
        <th scope="row">${e.name} <span class="muted">(${_[e.kind]})</span></th>
        <td class="num">${o(e.statement,t)}</td>
        <td class="num">${o(e.engine,t)}</td>
        <td class="num">${o(e.residual,t)}</td>
      </tr>`)}</tbody>
    </table></div>`}
    ${e.findings.length>0&&n`<ul class="findings">${e.findings.map(e=>n`<li key=${e.cause}>${e.detail}</li>`)}</ul>`}
  </li>`}function E({tariffs:e,onSaved:i}){let[a,o]=t(y),[s,c]=t(new Map),[l,u]=t(!1),f=e=>t=>o(n=>({...n,[e]:t})),p=(e,t)=>n=>o(r=>({...r,lines:r.lines.map((r,i)=>i===e?{...r,[t]:n}:r)}));return n`<section class="card" aria-labelledby="record-title">
    <h2 id="record-title">Record a statement</h2>
    <form onSubmit=${async e=>{e.preventDefault(),u(!0);try{let e=await d(`api/v1/statements`,{method:`POST`,body:b(a)});c(new Map),o(y()),i(e)}catch(e){c(C(e,x(a)))}finally{u(!1)}}} noValidate>
      <div class="fields">
        <${r} path="start" label="First day" type="date" value=${a.start} onInput=${f(`start`)} messages=${s.get(`start`)} />
        <${r} path="end" label="Day after the last" type="date" value=${a.end} onInput=${f(`end`)} messages=${s.get(`end`)} />
        <${r} path="total" label="Total" inputMode="decimal" value=${a.total} onInput=${f(`total`)} messages=${s.get(`total`)} />
        <${r} path="tariff" label="Billed under" value=${a.tariff} onInput=${f(`tariff`)} messages=${s.get(`tariff`)}
          options=${[{value:``,label:`the active tariff`},...e]} />
      </div>
      <fieldset>
        <legend>Lines, as the bill shows them (a credit is negative)</legend>
        ${a.lines.map((e,t)=>n`<div class="period-row" key=${t} role="group" aria-label=${`Line ${t+1}`}>
          <${r} path=${`lines[${t}].kind`} label="Kind" value=${e.kind} options=${S(_)} onInput=${p(t,`kind`)} messages=${s.get(`lines[${t}].kind`)} />
          <${r} path=${`lines[${t}].name`} label="Name" value=${e.name} onInput=${p(t,`name`)} messages=${s.get(`lines[${t}].name`)} />
          <${r} path=${`lines[${t}].amount`} label="Amount" inputMode="decimal" value=${e.amount} onInput=${p(t,`amount`)} messages=${s.get(`lines[${t}].amount`)} />
          ${e.kind===`energy`&&n`
            <${r} path=${`lines[${t}].period`} label="Period" hint="the tariff's; empty: all" value=${e.period} onInput=${p(t,`period`)} messages=${s.get(`lines[${t}].period`)} />
            <${r} path=${`lines[${t}].tier`} label="Tier" hint="1, 2, …; empty: all" inputMode="numeric" value=${e.tier} onInput=${p(t,`tier`)} messages=${s.get(`lines[${t}].tier`)} />
            <${r} path=${`lines[${t}].kwh`} label="kWh" inputMode="decimal" value=${e.kwh} onInput=${p(t,`kwh`)} messages=${s.get(`lines[${t}].kwh`)} />`}
          <button type="button" class="link" aria-label=${`Remove line ${t+1}`}
            onClick=${()=>o(e=>({...e,lines:e.lines.filter((e,n)=>n!==t)}))}>Remove</button>
          ${s.get(`lines[${t}]`)&&n`<p class="field-error">${s.get(`lines[${t}]`)?.join(` · `)}</p>`}
        </div>`)}
        <button type="button" onClick=${()=>o(e=>({...e,lines:[...e.lines,v()]}))}>Add line</button>
      </fieldset>
      <${w} messages=${s.get(`general`)??s.get(`lines`)} id="statement-message" />
      <button type="submit" class="primary" disabled=${l}>Record statement</button>
    </form>
  </section>`}function D({onSaved:e}){let[r,i]=t(``),[a,o]=t(new Map),[s,c]=t(!1);return n`<section class="card" aria-labelledby="import-title">
    <h2 id="import-title">Import statements (CSV)</h2>
    <form onSubmit=${async t=>{t.preventDefault(),c(!0);try{let t=await d(`api/v1/statements/import`,{method:`POST`,body:{csv:r}});o(new Map),i(``),e(t.statements.length)}catch(e){o(C(e,[`csv`,`tariff`]))}finally{c(!1)}}} noValidate>
      <div class="field"><label for="statements-file">CSV file</label>
        <input id="statements-file" type="file" accept="text/csv,.csv" onChange=${async e=>{let t=e.currentTarget.files?.[0];t&&i(await t.text())}} /></div>
      <div class=${`field wide${a.has(`csv`)?` invalid`:``}`}>
        <label for=${f(`csv`)}>CSV</label>
        <textarea id=${f(`csv`)} rows="6" value=${r} aria-describedby=${`${f(`csv`)}-hint${a.has(`csv`)?` ${f(`csv`)}-error`:``}`}
          aria-invalid=${a.has(`csv`)?`true`:void 0}
          onInput=${e=>i(e.currentTarget.value)}></textarea>
        <small class="hint" id=${`${f(`csv`)}-hint`}>start,end,kind,name,amount,period,tier,kwh: a total row per cycle, a row per line</small>
        ${a.has(`csv`)&&n`<p class="field-error" id=${`${f(`csv`)}-error`}>${a.get(`csv`)?.join(` · `)}</p>`}
      </div>
      <${w} messages=${a.get(`general`)} id="import-message" />
      <button type="submit" disabled=${s||!r}>Import</button>
    </form>
  </section>`}function O({refresh:r,onApplied:a}){let o=i(`api/v1/statements/calibration`,r),[c,f]=t(null),[m,h]=t(null),g;if(o.error){let t=o.error.status;g=t===409||t===404?n`<p class="empty" data-testid="calibration-none">No proposal: ${o.error.message}</p>`:n`<${e} error=${o.error} what="the calibration" />`}else if(!o.data)g=n`<${u} />`;else{let e=o.data,t=e.basis===`per_kwh`?`per kWh`:`per day`;g=n`
      <p data-testid="calibration">${e.tariff} (version ${e.based_on_version}) with <strong>${e.name}</strong> of
        <strong data-testid="calibration-amount">${e.amount}</strong> ${t}
        ${e.explains?` leaves every fitted statement within the threshold.`:` would not explain every statement.`}</p>
      <div class="table-scroll" tabindex="0" role="region" aria-label="Residuals under the proposal"><table>
        <thead><tr><th scope="col">Statement</th><th scope="col" class="num">Residual now</th><th scope="col" class="num">With the change</th></tr></thead>
        <tbody>${e.statements.map(e=>n`<tr key=${e.id} data-testid="calibrated">
          <th scope="row">${e.start} – ${s(e.end)}${e.fitted?``:` (not fully recorded: not fitted)`}</th>
          <td class="num">${e.residual}</td><td class="num" data-testid="residual-after">${e.residual_after}</td>
        </tr>`)}</tbody>
      </table></div>
      ${c?n`<p role="status" data-testid="calibration-applied">Saved ${c.name} version ${c.version}.</p>
            ${c.recompute&&n`<${p} start=${c.recompute} />`}`:n`<button type="button" class="primary" onClick=${async()=>{h(null);try{let t=e.statements.find(e=>e.fitted)??e.statements[0],n={name:e.tariff,definition:e.definition};t&&(n.valid_from=l(t.start,String(e.definition.timezone))),f(await d(`api/v1/tariffs`,{method:`POST`,body:n})),a()}catch(e){h(e)}}}>Apply as new version of ${e.tariff}</button>`}
      ${m&&n`<p class="error-note" role="alert">Could not save it: ${m.message}</p>`}`}return n`<section class="card" aria-labelledby="calibration-title">
    <h2 id="calibration-title">Calibration</h2>
    <p class="muted">A constant amount per kWh or per day that would explain the residuals, as a new tariff version from the first
      statement on: nothing changes until you apply it.</p>
    ${g}
  </section>`}function k(){let[r,a]=t(0),[s,c]=t(``),l=i(`api/v1/statements`,r),d=i(`api/v1/tariffs`),f=e=>{c(e),a(e=>e+1)},p;return p=l.error?n`<${e} error=${l.error} what="the statements" />`:l.data?l.data.statements.length===0?n`<p class="empty">No statements yet: record one below, or import them.</p>`:n`<ul class="statements">${l.data.statements.map(e=>n`<${T} key=${e.id} statement=${e} />`)}</ul>`:n`<${u} />`,n`
    <h1 class="view-title">Statements</h1>
    <p class="muted">Your paper bills beside the engine's bill for the same days, line by line${l.data?` (flagged above ${l.data.threshold})`:``}.</p>
    <p role="status" data-testid="statement-notice">${s}</p>
    <section class="card wide" aria-labelledby="statements-title">
      <h2 id="statements-title">Recorded statements</h2>
      ${p}
    </section>
    <div class="grid two">
      <${E} tariffs=${(d.data?.tariffs??[]).map(e=>e.name)}
        onSaved=${e=>f(`Recorded the statement of ${e.start}: residual ${o(e.residual,e.currency)}.`)} />
      <${O} refresh=${r} onApplied=${()=>f(`Saved the calibrated tariff version.`)} />
      <${D} onSaved=${e=>f(`Imported ${e} statement${e===1?``:`s`}.`)} />
      <${g} />
    </div>
  `}export{k as Statements};