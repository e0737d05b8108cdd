setTimeout(() => {
  for (const h of process._getActiveHandles()) {
    const d = h.constructor?.name;
    let extra = '';
    try { if (h.address) extra = JSON.stringify(h.address()); } catch {}
    if (d === 'Timeout') extra = String(h._idleTimeout) + ' ' + String(h._onTimeout).slice(0, 200);
    console.error('HANDLE', d, extra, h.listening, h.remoteAddress, h.localPort);
  }
}, 8000).unref();
