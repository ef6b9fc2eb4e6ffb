package io.resetguard.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared chart writer: every chart is a titled, labelled, accessible image with its values as text. */
class SvgTest {
    @Test
    void aBarChartIsAnAccessibleImageWithItsValuesAsText() {
        final String svg = Svg.barChart("Memory corruptions by model", "memory corruptions (count)",
            List.of(new Svg.Bar("linux-7.0", 1829), new Svg.Bar("seed", 0), new Svg.Bar("ratio", 2.345)), List.of());
        assertTrue(svg.contains("role=\"img\" aria-labelledby=\"chart-"), svg);
        final String id = svg.substring(svg.indexOf("aria-labelledby=\"") + 17, svg.indexOf("-t ", svg.indexOf("aria-labelledby")));
        assertTrue(svg.contains("<title id=\"" + id + "-t\">Memory corruptions by model</title>"), svg);
        assertTrue(svg.contains("<desc id=\"" + id + "-d\">Bar chart of memory corruptions (count): linux-7.0 1,829; seed 0; ratio 2.35.</desc>"),
            svg);
        assertTrue(svg.contains(">memory corruptions (count)</text>"), "the value axis is labelled: " + svg);
        assertTrue(svg.contains(">1,829</text>") && svg.contains(">2.35</text>"), "counts as counts: " + svg);
    }

    @Test
    void aLineChartDescribesItsSeriesAndEscapesText() {
        final String svg = Svg.lineChart("Latency <p50>", "percentile", "ns (log)",
            List.of(new Svg.Series("a&b", List.of(new double[] {1, 2000}, new double[] {2, 1e9}))), false, true,
            List.of("p50", "max"));
        assertTrue(svg.contains("<title id=\"chart-"), svg);
        assertTrue(svg.contains(">Latency &lt;p50&gt;</title>"), svg);
        assertTrue(svg.contains("Line chart of ns (log) against percentile: a&amp;b 1=2,000 2=1,000,000,000."), svg);
    }

    @Test
    void numbersReadTheSameOnEveryHost() {
        assertEquals("1,234,567", Svg.fmt(1_234_567));
        assertEquals("12.3", Svg.fmt(12.34));
        assertEquals("n/a", Svg.fmt(Double.NaN));
        assertEquals("1,000", Svg.tick(1000));
    }
}
