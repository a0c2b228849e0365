import{A as e,C as t,D as n,E as r,M as i,S as a,a as o,b as s,c,h as l,o as u,u as d,w as f}from"./index-D_SKwj2K.js";import{t as p}from"./Recompute-mrxlpvTP.js";var m=[{value:`greenbutton`,label:`Green Button (ESPI XML)`},{value:`csv`,label:`CSV (timestamp,kWh or date + 24/48/96 columns)`}],h=a(`content`);function g(){let[t,n]=e(`greenbutton`),[r,o]=e(``),[c,l]=e(`import`),[u,p]=e(null),[g,_]=e(new Map),[v,y]=e(null),[b,x]=e(!1),S=async e=>{if(e.preventDefault(),u){x(!0),y(null);try{let e={format:t,content:await u.text()};t===`csv`&&(e.flow=c,r.trim()&&(e.meter=r.trim())),y(await f(`api/v1/meter-data`,{method:`POST`,body:e})),_(new Map)}catch(e){let t=d(e)??[{path:`content`,message:e.message}],n=new Set([`format`,`meter`,`flow`]),r=new Map;for(let{path:i,message:a}of t){let t=n.has(i)?i:`content`;r.set(t,[...r.get(t)??[],t===i?a:e.message])}_(r),requestAnimationFrame(()=>document.getElementById(a([...r.keys()][0]))?.focus())}finally{x(!1)}}},C=g.get(`content`);return i`<section class="card" aria-labelledby="meter-data-title">
    <h2 id="meter-data-title">Import meter data</h2>
    <p class="muted">Your utility's interval readings ("Download my data"), stored as a meter of the household and matched like any other.</p>
    <form onSubmit=${S} noValidate>
      <div class="fields">
        <${s} path="format" label="Format" value=${t} options=${m} onInput=${e=>n(e)} messages=${g.get(`format`)} />
        ${t===`csv`&&i`
          <${s} path="meter" label="Meter name" hint="the utility's; empty: utility meter" value=${r} onInput=${o} messages=${g.get(`meter`)} />
          <${s} path="flow" label="Energy" value=${c} options=${[{value:`import`,label:`from the grid`},{value:`export`,label:`to the grid`}]}
            onInput=${e=>l(e===`export`?`export`:`import`)} messages=${g.get(`flow`)} />`}
      </div>
      <div class=${`field wide${C?` invalid`:``}`}>
        <label for=${h}>File</label>
        <input id=${h} type="file" accept=".xml,.csv,application/xml,text/csv" aria-invalid=${C?`true`:void 0}
          aria-describedby=${C?`${h}-error`:void 0}
          onChange=${e=>p(e.currentTarget.files?.[0]??null)} />
        ${C&&i`<p class="field-error" id=${`${h}-error`}>${C.join(` · `)}</p>`}
      </div>
      <button type="submit" disabled=${b||!u}>Import</button>
    </form>
    ${v&&i`<div role="status" data-testid="meter-data-result">
      <p>Imported ${v.meters.length} meter${v.meters.length===1?``:`s`} (${v.source}); ${v.summaries} billed period${v.summaries===1?``:`s`} new.</p>
      <ul>${v.meters.map(e=>i`<li key=${e.device_id}>${e.name}: ${e.stored} new of ${e.pieces} (${e.duplicates} already recorded, ${e.covered} recorded by another meter)</li>`)}</ul>
    </div>`}
  </section>`}var _={energy:`Energy`,standing:`Standing charge`,demand:`Demand`,rider:`Rider`,tax:`Tax`,credit:`Credit`};function v(){return{kind:`energy`,name:``,amount:``,period:``,tier:``,kwh:``}}function y(){return{start:``,end:``,total:``,tariff:``,lines:[v()]}}function b(e){let t={start:e.start.trim(),end:e.end.trim(),total:e.total.trim()};return e.tariff&&(t.tariff=e.tariff),t.lines=e.lines.map(e=>{let t={kind:e.kind,name:e.name.trim(),amount:e.amount.trim()};return e.period.trim()&&(t.period=e.period.trim()),e.tier.trim()&&(t.tier=/^\d+$/.test(e.tier.trim())?Number(e.tier.trim()):e.tier.trim()),e.kwh.trim()&&(t.kwh=e.kwh.trim()),t}),t}function x(e){return[`start`,`end`,`total`,`tariff`,`lines`,...e.lines.flatMap((e,t)=>[``,`.kind`,`.name`,`.amount`,`.period`,`.tier`,`.kwh`].map(e=>`lines[${t}]${e}`))]}var S=e=>Object.entries(e).map(([e,t])=>({value:e,label:t}));function C(e,t){let n=c(d(e)??[{path:``,message:e.message}],t),r=t.find(e=>n.has(e));return requestAnimationFrame(()=>(r?document.getElementById(a(r)):null)?.focus()),n}function w({messages:e,id:t}){return e?i`<p class="error-note" role="alert" id=${t} tabindex="-1">${e.join(` · `)}</p>`:null}function T({statement:e}){let t=e.currency,n=`${e.start} – ${u(e.end)}`;return i`<li class="statement" data-testid="statement" data-id=${e.id} data-over=${String(e.over_threshold)}>
    <h3>${n} <span class="muted">(${e.tariff}, ${e.source})</span></h3>
    <p class="detail">Statement ${l(e.total,t)} · engine ${l(e.engine_total,t)} ·
      <strong data-testid="statement-residual">residual ${l(e.residual,t)}</strong>
      ${e.over_threshold?i` <span class="over">above the threshold</span>`:``}</p>
    ${e.error&&i`<p class="error-note" data-testid="statement-error">The engine cannot bill this cycle: ${e.error}</p>`}
    ${e.lines.length>0&&i`<div class="table-scroll" tabindex="0" role="region" aria-label=${`Lines of ${n}`}><table class="statement-lines">
      <thead><tr><th scope="col">Line</th><th scope="col" class="num">Statement</th><th scope="col" class="num">Engine</th><th scope="col" class="num">Residual</th></tr></thead>
      <tbody>${e.lines.map((e,n)=>i`<tr key=${n} data-testid="statement-line">
        <th scope="row">${e.name} <span class="muted">(${_[e.kind]})</span></th>
        <td class="num">${l(e.statement,t)}</td>
        <td class="num">${l(e.engine,t)}</td>
        <td class="num">${l(e.residual,t)}</td>
      </tr>`)}</tbody>
    </table></div>`}
    ${e.findings.length>0&&i`<ul class="findings">${e.findings.map(e=>i`<li key=${e.cause}>${e.detail}</li>`)}</ul>`}
  </li>`}function E({tariffs:t,onSaved:n}){let[r,a]=e(y),[o,c]=e(new Map),[l,u]=e(!1),d=e=>t=>a(n=>({...n,[e]:t})),p=(e,t)=>n=>a(r=>({...r,lines:r.lines.map((r,i)=>i===e?{...r,[t]:n}:r)}));return i`<section class="card" aria-labelledby="record-title">
    <h2 id="record-title">Record a statement</h2>
    <form onSubmit=${async e=>{e.preventDefault(),u(!0);try{let e=await f(`api/v1/statements`,{method:`POST`,body:b(r)});c(new Map),a(y()),n(e)}catch(e){c(C(e,x(r)))}finally{u(!1)}}} noValidate>
      <div class="fields">
        <${s} path="start" label="First day" type="date" value=${r.start} onInput=${d(`start`)} messages=${o.get(`start`)} />
        <${s} path="end" label="Day after the last" type="date" value=${r.end} onInput=${d(`end`)} messages=${o.get(`end`)} />
        <${s} path="total" label="Total" inputMode="decimal" value=${r.total} onInput=${d(`total`)} messages=${o.get(`total`)} />
        <${s} path="tariff" label="Billed under" value=${r.tariff} onInput=${d(`tariff`)} messages=${o.get(`tariff`)}
          options=${[{value:``,label:`the active tariff`},...t]} />
      </div>
      <fieldset>
        <legend>Lines, as the bill shows them (a credit is negative)</legend>
        ${r.lines.map((e,t)=>i`<div class="period-row" key=${t} role="group" aria-label=${`Line ${t+1}`}>
          <${s} path=${`lines[${t}].kind`} label="Kind" value=${e.kind} options=${S(_)} onInput=${p(t,`kind`)} messages=${o.get(`lines[${t}].kind`)} />
          <${s} path=${`lines[${t}].name`} label="Name" value=${e.name} onInput=${p(t,`name`)} messages=${o.get(`lines[${t}].name`)} />
          <${s} path=${`lines[${t}].amount`} label="Amount" inputMode="decimal" value=${e.amount} onInput=${p(t,`amount`)} messages=${o.get(`lines[${t}].amount`)} />
          ${e.kind===`energy`&&i`
            <${s} path=${`lines[${t}].period`} label="Period" hint="the tariff's; empty: all" value=${e.period} onInput=${p(t,`period`)} messages=${o.get(`lines[${t}].period`)} />
            <${s} path=${`lines[${t}].tier`} label="Tier" hint="1, 2, …; empty: all" inputMode="numeric" value=${e.tier} onInput=${p(t,`tier`)} messages=${o.get(`lines[${t}].tier`)} />
            <${s} path=${`lines[${t}].kwh`} label="kWh" inputMode="decimal" value=${e.kwh} onInput=${p(t,`kwh`)} messages=${o.get(`lines[${t}].kwh`)} />`}
          <button type="button" class="link" aria-label=${`Remove line ${t+1}`}
            onClick=${()=>a(e=>({...e,lines:e.lines.filter((e,n)=>n!==t)}))}>Remove</button>
          ${o.get(`lines[${t}]`)&&i`<p class="field-error">${o.get(`lines[${t}]`)?.join(` · `)}</p>`}
        </div>`)}
        <button type="button" onClick=${()=>a(e=>({...e,lines:[...e.lines,v()]}))}>Add line</button>
      </fieldset>
      <${w} messages=${o.get(`general`)??o.get(`lines`)} id="statement-message" />
      <button type="submit" class="primary" disabled=${l}>Record statement</button>
    </form>
  </section>`}function D({onSaved:t}){let[n,r]=e(``),[o,s]=e(new Map),[c,l]=e(!1);return i`<section class="card" aria-labelledby="import-title">
    <h2 id="import-title">Import statements (CSV)</h2>
    <form onSubmit=${async e=>{e.preventDefault(),l(!0);try{let e=await f(`api/v1/statements/import`,{method:`POST`,body:{csv:n}});s(new Map),r(``),t(e.statements.length)}catch(e){s(C(e,[`csv`,`tariff`]))}finally{l(!1)}}} noValidate>
      <div class="field"><label for="statements-file">CSV file</label>
        <input id="statements-file" type="file" accept="text/csv,.csv" onChange=${async e=>{let t=e.currentTarget.files?.[0];t&&r(await t.text())}} /></div>
      <div class=${`field wide${o.has(`csv`)?` invalid`:``}`}>
        <label for=${a(`csv`)}>CSV</label>
        <textarea id=${a(`csv`)} rows="6" value=${n} aria-describedby=${`${a(`csv`)}-hint${o.has(`csv`)?` ${a(`csv`)}-error`:``}`}
          aria-invalid=${o.has(`csv`)?`true`:void 0}
          onInput=${e=>r(e.currentTarget.value)}></textarea>
        <small class="hint" id=${`${a(`csv`)}-hint`}>start,end,kind,name,amount,period,tier,kwh: a total row per cycle, a row per line</small>
        ${o.has(`csv`)&&i`<p class="field-error" id=${`${a(`csv`)}-error`}>${o.get(`csv`)?.join(` · `)}</p>`}
      </div>
      <${w} messages=${o.get(`general`)} id="import-message" />
      <button type="submit" disabled=${c||!n}>Import</button>
    </form>
  </section>`}function O({refresh:a,onApplied:s}){let c=t(`api/v1/statements/calibration`,a),[l,d]=e(null),[m,h]=e(null),g;if(c.error){let e=c.error.status;g=e===409||e===404?i`<p class="empty" data-testid="calibration-none">No proposal: ${c.error.message}</p>`:i`<${r} error=${c.error} what="the calibration" />`}else if(!c.data)g=i`<${n} />`;else{let e=c.data,t=e.basis===`per_kwh`?`per kWh`:`per day`;g=i`
      <p data-testid="calibration">${e.tariff} (version ${e.based_on_version}) with <strong>${e.name}</strong> of
        <strong data-testid="calibration-amount">${e.amount}</strong> ${t}
        ${e.explains?` leaves every fitted statement within the threshold.`:` would not explain every statement.`}</p>
      <div class="table-scroll" tabindex="0" role="region" aria-label="Residuals under the proposal"><table>
        <thead><tr><th scope="col">Statement</th><th scope="col" class="num">Residual now</th><th scope="col" class="num">With the change</th></tr></thead>
        <tbody>${e.statements.map(e=>i`<tr key=${e.id} data-testid="calibrated">
          <th scope="row">${e.start} – ${u(e.end)}${e.fitted?``:` (not fully recorded: not fitted)`}</th>
          <td class="num">${e.residual}</td><td class="num" data-testid="residual-after">${e.residual_after}</td>
        </tr>`)}</tbody>
      </table></div>
      ${l?i`<p role="status" data-testid="calibration-applied">Saved ${l.name} version ${l.version}.</p>
            ${l.recompute&&i`<${p} start=${l.recompute} />`}`:i`<button type="button" class="primary" onClick=${async()=>{h(null);try{let t=e.statements.find(e=>e.fitted)??e.statements[0],n={name:e.tariff,definition:e.definition};t&&(n.valid_from=o(t.start,String(e.definition.timezone))),d(await f(`api/v1/tariffs`,{method:`POST`,body:n})),s()}catch(e){h(e)}}}>Apply as new version of ${e.tariff}</button>`}
      ${m&&i`<p class="error-note" role="alert">Could not save it: ${m.message}</p>`}`}return i`<section class="card" aria-labelledby="calibration-title">
    <h2 id="calibration-title">Calibration</h2>
    <p class="muted">A constant amount per kWh or per day that would explain the residuals, as a new tariff version from the first
      statement on: nothing changes until you apply it.</p>
    ${g}
  </section>`}function k(){let[a,o]=e(0),[s,c]=e(``),u=t(`api/v1/statements`,a),d=t(`api/v1/tariffs`),f=e=>{c(e),o(e=>e+1)},p;return p=u.error?i`<${r} error=${u.error} what="the statements" />`:u.data?u.data.statements.length===0?i`<p class="empty">No statements yet: record one below, or import them.</p>`:i`<ul class="statements">${u.data.statements.map(e=>i`<${T} key=${e.id} statement=${e} />`)}</ul>`:i`<${n} />`,i`
    <h1 class="view-title">Statements</h1>
    <p class="muted">Your paper bills beside the engine's bill for the same days, line by line${u.data?` (flagged above ${u.data.threshold})`:``}.</p>
    <p role="status" data-testid="statement-notice">${s}</p>
    <section class="card wide" aria-labelledby="statements-title">
      <h2 id="statements-title">Recorded statements</h2>
      ${p}
    </section>
    <div class="grid two">
      <${E} tariffs=${(d.data?.tariffs??[]).map(e=>e.name)}
        onSaved=${e=>f(`Recorded the statement of ${e.start}: residual ${l(e.residual,e.currency)}.`)} />
      <${O} refresh=${a} onApplied=${()=>f(`Saved the calibrated tariff version.`)} />
      <${D} onSaved=${e=>f(`Imported ${e} statement${e===1?``:`s`}.`)} />
      <${g} />
    </div>
  `}export{k as Statements};