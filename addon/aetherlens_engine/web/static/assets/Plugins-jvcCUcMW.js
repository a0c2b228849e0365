import{C as e,D as t,N as n,O as r,T as i,d as a,g as o,j as s,k as c,l,w as u,x as d,y as f}from"./index-66HxH0yS.js";function p(e){let t={};for(let n of e.fields){let r=n.secret?void 0:e.config[n.key];t[n.key]=r==null?``:Array.isArray(r)?r.join(`, `):String(r)}return t}function m(e,t){let n={};for(let r of e){let e=(t[r.key]??``).trim();if(e!==``)switch(r.kind){case`integer`:case`number`:n[r.key]=/^-?\d+(\.\d+)?$/.test(e)?Number(e):e;break;case`boolean`:n[r.key]=e===`true`;break;case`list`:n[r.key]=e.split(`,`).map(e=>e.trim()).filter(Boolean);break;default:n[r.key]=e}}return n}var h=5e3,g={starting:`Starting`,healthy:`Healthy`,degraded:`Degraded: its last poll failed`,failing:`Failing: several polls in a row failed`,stopped:`Stopped`,disabled:`Disabled`,unavailable:`Unavailable: its plugin failed to install or load`},_=e=>e?new Date(e).toLocaleString():`never`;function v({field:e,path:t,value:r,onInput:i,messages:a}){let o=e.default===null?``:Array.isArray(e.default)?e.default.join(`, `):String(e.default),s=`${e.key}${e.required?` (required)`:``}`;if(e.kind===`boolean`){let o=r===``?e.default===!0:r===`true`;return n`<${f} path=${t} label=${s} checked=${o} onChange=${e=>i(String(e))} messages=${a} />`}if(e.kind===`choice`)return n`<${d} path=${t} label=${s} value=${r||o} onInput=${i} messages=${a}
      options=${e.choices} />`;let c=e.secret?`secret: not shown; empty keeps it`:e.kind===`list`?`comma-separated${e.choices.length?` (${e.choices.join(`, `)})`:``}${o?`; empty: ${o}`:``}`:o?`empty: ${o}`:void 0;return n`<${d} path=${t} label=${s} value=${r} onInput=${i} messages=${a} hint=${c}
    type=${e.secret?`password`:`text`} inputMode=${e.kind===`integer`||e.kind===`number`?`decimal`:void 0} />`}function y({plugin:t,onChanged:r}){let[c,u]=s(()=>p(t)),[d,f]=s(new Map),[h,y]=s(!1),b=`${t.name}.config`,x=t.fields.map(e=>`${b}.${e.key}`),S=async(n,o)=>{y(!0);try{let e=await i(`api/v1/plugins/${encodeURIComponent(t.name)}`,{method:`PUT`,body:n});f(new Map),r(e,o)}catch(n){let r=(a(n)??[{path:``,message:n.message}]).map(({path:e,message:n})=>({path:e?`${t.name}.${e}`:``,message:n})),i=l(r,x);f(i);let o=x.find(e=>i.has(e));requestAnimationFrame(()=>(o?document.getElementById(e(o)):null)?.focus())}finally{y(!1)}},C=e=>{e.preventDefault(),S({config:m(t.fields,c)},`Saved ${t.name}: it restarts with its new configuration.`)},w=`plugin-${t.name}`,T=t.status===`unavailable`,E=t.poll_interval_seconds===null?``:`, every ${Math.round(t.poll_interval_seconds/60)} min`;return n`<section class="card" aria-labelledby=${w} data-testid="plugin" data-name=${t.name} data-status=${t.status}>
    <h2 id=${w}>${t.name} <span class="muted">(${t.plugin}${t.version===null?``:` ${t.version}`})</span></h2>
    <p data-testid="plugin-status" class=${t.status===`healthy`?``:`over`}>${g[t.status]??t.status}</p>
    <dl class="plugin-facts">
      ${!T&&n`<dt>Provides</dt><dd>${t.provides.join(`, `)}</dd>`}
      <dt>Last poll</dt><dd>${_(t.last_success)} (${t.polls} polls${E})</dd>
      <dt>Last failure</dt><dd>${_(t.last_failure)}${t.consecutive_failures?` (${t.consecutive_failures} in a row)`:``}</dd>
      ${t.last_error&&n`<dt>${T?`Error`:`Last error`}</dt><dd data-testid="plugin-error">${t.last_error}</dd>`}
      <dt>Restarts</dt><dd>${t.restarts}</dd>
      <dt>Records refused</dt><dd>${t.refused}${t.last_refusal?`: ${t.last_refusal}`:``}</dd>
      <dt>Requests</dt><dd data-testid="plugin-requests">${t.requests}, costing ${o(t.request_cost,t.request_currency)}</dd>
    </dl>
    ${!T&&n`<button type="button" disabled=${h} aria-label=${`${t.enabled?`Disable`:`Enable`} ${t.name}`}
      onClick=${()=>S({enabled:!t.enabled},`${t.enabled?`Disabled`:`Enabled`} ${t.name}.`)}>${t.enabled?`Disable`:`Enable`}</button>
    <form onSubmit=${C} noValidate>
      <fieldset>
        <legend>Configuration</legend>
        <div class="fields">
          ${t.fields.map(e=>n`<${v} key=${e.key} field=${e} path=${`${b}.${e.key}`} value=${c[e.key]??``}
            messages=${d.get(`${b}.${e.key}`)} onInput=${t=>u(n=>({...n,[e.key]:t}))} />`)}
        </div>
      </fieldset>
      ${d.get(`general`)&&n`<p class="error-note" role="alert">${d.get(`general`)?.join(` · `)}</p>`}
      <button type="submit" class="primary" disabled=${h}>Save ${t.name}'s configuration</button>
    </form>`}
    ${T&&n`<p class="muted">Install its package (the option plugin_packages) or correct the plugin's name in the option plugins, then restart the engine.</p>`}
  </section>`}function b(){let[e,i]=s(0),[a,o]=s(``),l=u(`api/v1/plugins`,e);c(()=>{let e=setInterval(()=>i(e=>e+1),h);return()=>clearInterval(e)},[]);let d;return d=l.error?n`<${t} error=${l.error} what="the plugins" />`:l.data?l.data.plugins.length===0?n`<p class="empty">No plugins are configured (the engine's option plugins).</p>`:n`<div class="grid two">${l.data.plugins.map(e=>n`<${y} key=${e.name} plugin=${e}
      onChanged=${(e,t)=>{o(t),i(e=>e+1)}} />`)}</div>`:n`<${r} />`,n`
    <h1 class="view-title">Plugins</h1>
    <p class="muted">The plugin instances the engine runs: how each is doing, what its requests cost, and its configuration (checked by the plugin's own schema).</p>
    <p role="status" data-testid="plugin-notice">${a}</p>
    ${d}
  `}export{b as Plugins};