/**
 * Work that would move the page, held back while a pointer button is down. A field's message
 * appears when the field loses focus, and a mousedown on a button below it is what takes the focus
 * away: shown at once, the message pushes the button down before the mouseup, and the click is lost.
 */
let down = false;
let queued: (() => void)[] = [];
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  addEventListener(
    'pointerdown',
    () => {
      down = true;
    },
    true,
  );
  const release = () => {
    down = false;
    const run = queued;
    queued = [];
    // After the click that this release completes.
    if (run.length > 0) {
      setTimeout(() => {
        for (const fn of run) fn();
      }, 0);
    }
  };
  addEventListener('pointerup', release, true);
  addEventListener('pointercancel', release, true);
}

/** Runs `fn` now, or just after the click in progress when a pointer button is down. */
export function afterPointerRelease(fn: () => void): void {
  install();
  if (down) queued.push(fn);
  else fn();
}
