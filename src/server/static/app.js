// The dashboard's only script (the CSP allows no inline script). Charts read their data from a
// JSON script element (type application/json is data, never run) and draw it with Chart.js.
'use strict';

const COLOURS = ['#1f4fbf', '#c0392b', '#1e8449', '#8e44ad'];

function drawChart(canvas) {
  const source = document.getElementById(canvas.getAttribute('data-chart') || '');
  if (!source || typeof window.Chart !== 'function') return;
  const data = JSON.parse(source.textContent || '{}');
  (data.datasets || []).forEach((d, i) => {
    d.borderColor = COLOURS[i % COLOURS.length];
    d.backgroundColor = COLOURS[i % COLOURS.length];
    d.pointRadius = 0;
    d.tension = 0.2;
  });
  new window.Chart(canvas, {
    type: 'line',
    data,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 } },
        x: { ticks: { maxTicksLimit: 12 } },
      },
    },
  });
}

document.addEventListener('DOMContentLoaded', () => {
  for (const el of document.querySelectorAll('canvas[data-chart]')) drawChart(el);
});
