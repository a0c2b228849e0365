import{A as e,C as t,D as n,E as r,M as i,O as a,S as o,b as s,c,h as l,u,v as d,w as f}from"./index-D_SKwj2K.js";function p(e){let t={};for(let n of e.fields){let r=n.secret?void 0:e.config[n.key];t[n.key]=r==null?``:Array.isArray(r)?r.join(`, `):String(r)}return t}function m(e,t){let n={};for(let r of e){let e=(t[r.key]??``).trim();if(e!==``)switch(r.kind){case`integer`:case`number`:n[r.key]=/^-?\d+(\.\d+)?$/.test(e)?Number(e):e;break;case`boolean`:n[r.key]=e===`true`;break;case`list`:n[r.key]=e.split(`,`).map(e=>e.trim()).filter(Boolean);break;default:n[r.key]=e}}return n}var h=5e3,g={starting:`Starting`,healthy:`Healthy`,degraded:`Degraded: its last poll failed`,failing:`Failing: several polls in a row failed`,stopped:`Stopped`,disabled:`Disabled`,unavailable:`Unavailable: its plugin failed to install or load`},_=e=>e?new Date(e).toLocaleString():`never`;function v({field:e,path:t,value:n,onInput:r,messages:a}){let o=e.default===null?``:Array.isArray(e.default)?e.default.join(`, `):String(e.default),c=`${e.key}${e.required?` (required)`:``}`;if(e.kind===`boolean`){let o=n===``?e.default===!0:n===`true`;return i`<${d} path=${t} label=${c} checked=${o} onChange=${e=>r(String(e))} messages=${a} />`}if(e.kind===`choice`)return i`<${s} path=${t} label=${c} value=${n||o} onInput=${r} messages=${a}
      options=${e.choices} />`;let l=e.secret?`secret: not shown; empty keeps it`:e.kind===`list`?`comma-separated${e.choices.length?` (${e.choices.join(`, `)})`:``}${o?`; empty: ${o}`:``}`:o?`empty: ${o}`:void 0;return i`<${s} path=${t} label=${c} value=${n} onInput=${r} messages=${a} hint=${l}
    type=${e.secret?`password`:`text`} inputMode=${e.kind===`integer`||e.kind===`number`?`decimal`:void 0} />`}function y({plugin:t,onChanged:n}){let[r,a]=e(()=>p(t)),[s,d]=e(new Map),[h,y]=e(!1),b=`${t.name}.config`,x=t.fields.map(e=>`${b}.${e.key}`),S=async(e,r)=>{y(!0);try{let i=await f(`api/v1/plugins/${encodeURIComponent(t.name)}`,{method:`PUT`,body:e});d(new Map),n(i,r)}catch(e){let n=(u(e)??[{path:``,message:e.message}]).map(({path:e,message:n})=>({path:e?`${t.name}.${e}`:``,message:n})),r=c(n,x);d(r);let i=x.find(e=>r.has(e));requestAnimationFrame(()=>(i?document.getElementById(o(i)):null)?.focus())}finally{y(!1)}},C=e=>{e.preventDefault(),S({config:m(t.fields,r)},`Saved ${t.name}: it restarts with its new configuration.`)},w=`plugin-${t.name}`,T=t.status===`unavailable`,E=t.poll_interval_seconds===null?``:`, every ${Math.round(t.poll_interval_seconds/60)} min`;return i`<section class="card" aria-labelledby=${w} data-testid="plugin" data-name=${t.name} data-status=${t.status}>
    <h2 id=${w}>${t.name} <span class="muted">(${t.plugin}${t.version===null?``:` ${t.version}`})</span></h2>
    <p data-testid="plugin-status" class=${t.status===`healthy`?``:`over`}>${g[t.status]??t.status}</p>
    <dl class="plugin-facts">
      ${!T&&i`<dt>Provides</dt><dd>${t.provides.join(`, `)}</dd>`}
      <dt>Last poll</dt><dd>${_(t.last_success)} (${t.polls} polls${E})</dd>
      <dt>Last failure</dt><dd>${_(t.last_failure)}${t.consecutive_failures?` (${t.consecutive_failures} in a row)`:``}</dd>
      ${t.last_error&&i`<dt>${T?`Error`:`Last error`}</dt><dd data-testid="plugin-error">${t.last_error}</dd>`}
      <dt>Restarts</dt><dd>${t.restarts}</dd>
      <dt>Records refused</dt><dd>${t.refused}${t.last_refusal?`: ${t.last_refusal}`:``}</dd>
      <dt>Requests</dt><dd data-testid="plugin-requests">${t.requests}, costing ${l(t.request_cost,t.request_currency)}</dd>
    </dl>
    ${!T&&i`<button type="button" disabled=${h} aria-label=${`${t.enabled?`Disable`:`Enable`} ${t.name}`}
      onClick=${()=>S({enabled:!t.enabled},`${t.enabled?`Disabled`:`Enabled`} ${t.name}.`)}>${t.enabled?`Disable`:`Enable`}</button>
    <form onSubmit=${C} noValidate>
      <fieldset>
        <legend>Configuration</legend>
        <div class="fields">
          ${t.fields.map(e=>i`<${v} key=${e.key} field=${e} path=${`${b}.${e.key}`} value=${r[e.key]??``}
            messages=${s.get(`${b}.${e.key}`)} onInput=${t=>a(n=>({...n,[e.key]:t}))} />`)}
        </div>
      </fieldset>
      ${s.get(`general`)&&i`<p class="error-note" role="alert">${s.get(`general`)?.join(` · `)}</p>`}
      <button type="submit" class="primary" disabled=${h}>Save ${t.name}'s configuration</button>
    </form>`}
    ${T&&i`<p class="muted">Install its package (the option plugin_packages) or correct the plugin's name in the option plugins, then restart the engine.</p>`}
  </section>`}function b(){let[o,s]=e(0),[c,l]=e(``),u=t(`api/v1/plugins`,o);a(()=>{let e=setInterval(()=>s(e=>e+1),h);return()=>clearInterval(e)},[]);let d;return d=u.error?i`<${r} error=${u.error} what="the plugins" />`:u.data?u.data.plugins.length===0?i`<p class="empty">No plugins are configured (the engine's option plugins).</p>`:i`<div class="grid two">${u.data.plugins.map(e=>i`<${y} key=${e.name} plugin=${e}
      onChanged=${(e,t)=>{l(t),s(e=>e+1)}} />`)}</div>`:i`<${n} />`,i`
    <h1 class="view-title">Plugins</h1>
    <p class="muted">The plugin instances the engine runs: how each is doing, what its requests cost, and its configuration (checked by the plugin's own schema).</p>
    <p role="status" data-testid="plugin-notice">${c}</p>
    ${d}
  `}export{b as Plugins};