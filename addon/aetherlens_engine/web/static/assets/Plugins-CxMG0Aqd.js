import{C as e,D as t,O as n,T as r,_ as i,b as a,c as o,f as s,h as c,o as l,w as u,x as d,y as f}from"./index-CJKbv7au.js";function p(e){let t={};for(let n of e.fields){let r=n.secret?void 0:e.config[n.key];t[n.key]=r==null?``:Array.isArray(r)?r.join(`, `):String(r)}return t}function m(e,t){let n={};for(let r of e){let e=(t[r.key]??``).trim();if(e!==``)switch(r.kind){case`integer`:case`number`:n[r.key]=/^-?\d+(\.\d+)?$/.test(e)?Number(e):e;break;case`boolean`:n[r.key]=e===`true`;break;case`list`:n[r.key]=e.split(`,`).map(e=>e.trim()).filter(Boolean);break;default:n[r.key]=e}}return n}var h=5e3,g={starting:`Starting`,healthy:`Healthy`,degraded:`Degraded: its last poll failed`,failing:`Failing: several polls in a row failed`,stopped:`Stopped`,disabled:`Disabled`},_=e=>e?new Date(e).toLocaleString():`never`;function v({field:e,path:t,value:r,onInput:a,messages:o}){let s=e.default===null?``:Array.isArray(e.default)?e.default.join(`, `):String(e.default),l=`${e.key}${e.required?` (required)`:``}`;if(e.kind===`boolean`){let i=r===``?e.default===!0:r===`true`;return n`<${c} path=${t} label=${l} checked=${i} onChange=${e=>a(String(e))} messages=${o} />`}if(e.kind===`choice`)return n`<${i} path=${t} label=${l} value=${r||s} onInput=${a} messages=${o}
      options=${e.choices} />`;let u=e.secret?`secret: not shown; empty keeps it`:e.kind===`list`?`comma-separated${e.choices.length?` (${e.choices.join(`, `)})`:``}${s?`; empty: ${s}`:``}`:s?`empty: ${s}`:void 0;return n`<${i} path=${t} label=${l} value=${r} onInput=${a} messages=${o} hint=${u}
    type=${e.secret?`password`:`text`} inputMode=${e.kind===`integer`||e.kind===`number`?`decimal`:void 0} />`}function y({plugin:e,onChanged:r}){let[i,a]=t(()=>p(e)),[c,u]=t(new Map),[h,y]=t(!1),b=`${e.name}.config`,x=e.fields.map(e=>`${b}.${e.key}`),S=async(t,n)=>{y(!0);try{let i=await d(`api/v1/plugins/${encodeURIComponent(e.name)}`,{method:`PUT`,body:t});u(new Map),r(i,n)}catch(t){let n=(o(t)??[{path:``,message:t.message}]).map(({path:t,message:n})=>({path:t?`${e.name}.${t}`:``,message:n})),r=l(n,x);u(r);let i=x.find(e=>r.has(e));requestAnimationFrame(()=>(i?document.getElementById(f(i)):null)?.focus())}finally{y(!1)}},C=t=>{t.preventDefault(),S({config:m(e.fields,i)},`Saved ${e.name}: it restarts with its new configuration.`)},w=`plugin-${e.name}`;return n`<section class="card" aria-labelledby=${w} data-testid="plugin" data-name=${e.name} data-status=${e.status}>
    <h2 id=${w}>${e.name} <span class="muted">(${e.plugin} ${e.version})</span></h2>
    <p data-testid="plugin-status" class=${e.status===`healthy`?``:`over`}>${g[e.status]??e.status}</p>
    <dl class="plugin-facts">
      <dt>Provides</dt><dd>${e.provides.join(`, `)}</dd>
      <dt>Last poll</dt><dd>${_(e.last_success)} (${e.polls} polls, every ${Math.round(e.poll_interval_seconds/60)} min)</dd>
      <dt>Last failure</dt><dd>${_(e.last_failure)}${e.consecutive_failures?` (${e.consecutive_failures} in a row)`:``}</dd>
      ${e.last_error&&n`<dt>Last error</dt><dd data-testid="plugin-error">${e.last_error}</dd>`}
      <dt>Restarts</dt><dd>${e.restarts}</dd>
      <dt>Records refused</dt><dd>${e.refused}${e.last_refusal?`: ${e.last_refusal}`:``}</dd>
      <dt>Requests</dt><dd data-testid="plugin-requests">${e.requests}, costing ${s(e.request_cost,e.request_currency)}</dd>
    </dl>
    <button type="button" disabled=${h} aria-label=${`${e.enabled?`Disable`:`Enable`} ${e.name}`}
      onClick=${()=>S({enabled:!e.enabled},`${e.enabled?`Disabled`:`Enabled`} ${e.name}.`)}>${e.enabled?`Disable`:`Enable`}</button>
    <form onSubmit=${C} noValidate>
      <fieldset>
        <legend>Configuration</legend>
        <div class="fields">
          ${e.fields.map(e=>n`<${v} key=${e.key} field=${e} path=${`${b}.${e.key}`} value=${i[e.key]??``}
            messages=${c.get(`${b}.${e.key}`)} onInput=${t=>a(n=>({...n,[e.key]:t}))} />`)}
        </div>
      </fieldset>
      ${c.get(`general`)&&n`<p class="error-note" role="alert">${c.get(`general`)?.join(` · `)}</p>`}
      <button type="submit" class="primary" disabled=${h}>Save ${e.name}'s configuration</button>
    </form>
  </section>`}function b(){let[i,o]=t(0),[s,c]=t(``),l=a(`api/v1/plugins`,i);r(()=>{let e=setInterval(()=>o(e=>e+1),h);return()=>clearInterval(e)},[]);let d;return d=l.error?n`<${e} error=${l.error} what="the plugins" />`:l.data?l.data.plugins.length===0?n`<p class="empty">No plugins are configured (the engine's option plugins).</p>`:n`<div class="grid two">${l.data.plugins.map(e=>n`<${y} key=${e.name} plugin=${e}
      onChanged=${(e,t)=>{c(t),o(e=>e+1)}} />`)}</div>`:n`<${u} />`,n`
    <h1 class="view-title">Plugins</h1>
    <p class="muted">The plugin instances the engine runs: how each is doing, what its requests cost, and its configuration (checked by the plugin's own schema).</p>
    <p role="status" data-testid="plugin-notice">${s}</p>
    ${d}
  `}export{b as Plugins};