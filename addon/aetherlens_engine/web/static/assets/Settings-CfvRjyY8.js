import{C as e,D as t,N as n,O as r,S as i,T as a,c as o,j as s,w as c,x as l}from"./index-66HxH0yS.js";var u=[[`raw_days`,`Readings (days)`],[`hourly_days`,`Hourly totals (days)`],[`daily_days`,`Daily totals (days)`],[`compress_after_days`,`Compress readings after (days)`]],d=[`name`,`url`,`token`,`include`,`exclude`];function f(e){let{retention:t}=e;return{currency:e.currency,timezone:e.timezone,retention:{raw_days:String(t.raw_days),hourly_days:String(t.hourly_days),daily_days:String(t.daily_days),compress_after_days:String(t.compress_after_days)},homeassistant:e.homeassistant.map(e=>({name:e.name,url:e.url,include:e.include.join(`, `),exclude:e.exclude.join(`, `),token:``}))}}function p(){return{name:``,url:`ws://homeassistant.local:8123/api/websocket`,include:``,exclude:``,token:``}}function m(e){return[`currency`,`timezone`,...u.map(([e])=>`retention.${e}`),`homeassistant`,...e.homeassistant.flatMap((e,t)=>[`homeassistant[${t}]`,...d.map(e=>`homeassistant[${t}].${e}`)])]}function h(e){return e.split(`,`).map(e=>e.trim()).filter(Boolean)}function g(e){let t=[],n={};for(let[r]of u){let i=e.retention[r].trim();/^\d+$/.test(i)?n[r]=Number(i):t.push({path:`retention.${r}`,message:`${i||`nothing`} is not a whole number of days`})}return t.length>0?{errors:t}:{body:{currency:e.currency.trim(),timezone:e.timezone.trim(),retention:n,homeassistant:e.homeassistant.map(e=>{let t={name:e.name.trim(),url:e.url.trim(),include:h(e.include),exclude:h(e.exclude)};return e.token&&(t.token=e.token),t})}}}function _(e,t){return e.map(e=>{if(e===`currency`)return`the currency`;if(e===`timezone`)return`the time zone`;if(e===`homeassistant`)return`a Home Assistant instance removed`;let n=/^homeassistant\[(\d+)\]$/.exec(e),r=n?t.homeassistant[Number(n[1])]:void 0;return r?`Home Assistant ${r.name}`:e})}var v=`settings-message`,y=`applies after a restart`;function b({settings:e,setting:t}){let r=e.saved.includes(t);return n`<span class="origin" data-testid=${`origin-${t}`}>${r?`Saved here`:`From the configuration`}</span>`}function x({settings:e}){let t=_(e.restart_required,e);return n`<p class=${`message${t.length?` warning`:``}`} role="status" data-testid="restart-notice">
    ${t.length>0&&`Restart the engine to apply ${t.join(`, `)}; the rest applies now.`}
  </p>`}function S({index:e,instance:t,errors:r,onChange:a,onRemove:o}){let s=`homeassistant[${e}]`,c=e=>n=>a({...t,[e]:n}),u=t.name||`instance ${e+1}`;return n`<fieldset class="instance" data-testid="instance" data-index=${e}>
    <legend>Home Assistant ${u}</legend>
    <${i} path=${s} messages=${r.get(s)} />
    <div class="fields">
      <${l} path=${`${s}.name`} label="Name" value=${t.name} onInput=${c(`name`)}
        hint=${`Unique; a new instance ${y}`} messages=${r.get(`${s}.name`)} />
      <${l} path=${`${s}.url`} label="WebSocket URL" value=${t.url} onInput=${c(`url`)} wide
        hint=${`ws://HOST:8123/api/websocket (wss:// with TLS); ${y}`} messages=${r.get(`${s}.url`)} />
      <${l} path=${`${s}.token`} label="Access token" type="password" value=${t.token} onInput=${c(`token`)} wide
        hint="Empty: keeps its token while the URL stays" messages=${r.get(`${s}.token`)} />
      <${l} path=${`${s}.include`} label="Also record" value=${t.include} onInput=${c(`include`)} wide
        hint="Entity ids or globs, separated by commas; applies at the next sync" messages=${r.get(`${s}.include`)} />
      <${l} path=${`${s}.exclude`} label="Never record" value=${t.exclude} onInput=${c(`exclude`)} wide
        hint="Entity ids or globs, separated by commas; applies at the next sync" messages=${r.get(`${s}.exclude`)} />
    </div>
    <div class="actions">
      <button type="button" onClick=${o} aria-label=${`Remove Home Assistant ${u}`}>Remove</button>
    </div>
  </fieldset>`}function C({settings:t,onSaved:r}){let[c,d]=s(()=>f(t)),{errors:h,busy:_,submit:x}=o({paths:()=>m(c),messageId:v,make:()=>g(c),send:async e=>{let t=await a(`api/v1/settings`,{method:`PUT`,body:e});d(f(t)),r(t)}}),C=e=>t=>d(n=>({...n,[e]:t})),w=e=>t=>d(n=>({...n,retention:{...n.retention,[e]:t}})),T=e=>d(t=>({...t,homeassistant:e(t.homeassistant)})),E=()=>{let t=c.homeassistant.length;T(e=>[...e,p()]),requestAnimationFrame(()=>document.getElementById(e(`homeassistant[${t}].name`))?.focus())},D=h.get(`general`);return n`<form onSubmit=${x} noValidate>
    <div class="grid two">
      <section class="card" aria-labelledby="settings-money">
        <h2 id="settings-money">Money and time <${b} settings=${t} setting="currency" /></h2>
        <div class="fields">
          <${l} path="currency" label="Currency" value=${c.currency} onInput=${C(`currency`)}
            hint=${`ISO 4217, like EUR; ${y}`} messages=${h.get(`currency`)} />
          <${l} path="timezone" label="Time zone" value=${c.timezone} onInput=${C(`timezone`)}
            hint=${`IANA name, like Europe/Berlin; ${y}`} messages=${h.get(`timezone`)} />
        </div>
      </section>
      <section class="card" aria-labelledby="settings-retention">
        <h2 id="settings-retention">Retention <${b} settings=${t} setting="retention" /></h2>
        <p class="detail">How long data is kept; applies at once.</p>
        <div class="fields">
          ${u.map(([e,t])=>n`<${l} key=${e} path=${`retention.${e}`} label=${t}
            value=${c.retention[e]} onInput=${w(e)} inputMode="numeric" messages=${h.get(`retention.${e}`)} />`)}
        </div>
      </section>
    </div>
    <section class="card" aria-labelledby="settings-collector">
      <h2 id="settings-collector">Home Assistant instances <${b} settings=${t} setting="homeassistant" /></h2>
      <p class="detail">Where the collector records energy from: the Energy dashboard's entities, plus those it should also record, minus those it never should.</p>
      <${i} path="homeassistant" messages=${h.get(`homeassistant`)} />
      ${c.homeassistant.length===0&&n`<p class="empty">No Home Assistant instance.</p>`}
      ${c.homeassistant.map((e,t)=>n`<${S} key=${t} index=${t} instance=${e} errors=${h}
        onChange=${e=>T(n=>n.map((n,r)=>r===t?e:n))}
        onRemove=${()=>T(e=>e.filter((e,n)=>n!==t))} />`)}
      <div class="actions"><button type="button" onClick=${E}>Add an instance</button></div>
    </section>
    <p id=${v} class=${`message${D?` error`:``}`} role=${D?`alert`:`status`} tabindex="-1">${D?.join(` · `)}</p>
    <div class="actions">
      <button type="submit" class="primary" disabled=${_}>Save settings</button>
    </div>
  </form>`}function w(){let e=c(`api/v1/settings`),[i,a]=s(null),[o,l]=s(``);if(e.error)return n`<${t} error=${e.error} what="the settings" />`;let u=i??e.data;return u?n`
    <h1 class="view-title">Settings</h1>
    <p class="message ok" role="status" data-testid="settings-notice">${o}</p>
    <${x} settings=${u} />
    <${C} settings=${u} onSaved=${e=>{a(e),l(`Saved the settings.`)}} />`:n`<${r} />`}export{w as Settings};