// The e-commerce page: one card per figure from /api/ecommerce/figures (see dashboard/ecommerce.py).
(async () => {
  const root = document.getElementById("ecommerce");
  const charts = await (await fetch("/api/ecommerce/figures")).json();
  for (const chart of charts) {
    const card = document.createElement("div");
    card.className = "card";
    card.id = `chart-${chart.id}`;
    root.appendChild(card);
    if (chart.status !== "ok") {
      card.textContent = chart.message || "no data yet";
      continue;
    }
    Plotly.newPlot(card, chart.figure.data, chart.figure.layout, { displayModeBar: false, responsive: true });
  }
})();
