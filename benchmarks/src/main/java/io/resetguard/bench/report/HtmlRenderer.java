package io.resetguard.bench.report;

import io.resetguard.report.Svg;

import java.util.List;

/**
 * HtmlRenderer - the report as one self-contained HTML page: inline CSS, inline SVG charts, no
 * script and no external resource, so it opens offline and from a CI artifact as it is.
 */
final class HtmlRenderer {
    private static final String CSS = String.join("\n",
        "body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1180px;margin:24px auto;"
            + "padding:0 16px;color:#222;line-height:1.45}",
        "h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:4px}",
        "table{border-collapse:collapse;margin:8px 0 4px 0;font-size:0.86em}",
        "th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}",
        "th{background:#f3f3f3}",
        "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}",
        "td.PASS{background:#e3f6e3;font-weight:bold;color:#176117}",
        "td.MISS{background:#fbe3e3;font-weight:bold;color:#8a1414}",
        "td.NOTMEASURED{background:#f3f3f3;font-weight:bold;color:#666}",
        ".caption{font-size:0.8em;color:#555;margin:0 0 18px 0}",
        ".tabletitle{font-weight:bold;margin-top:14px}",
        "figure{margin:12px 0}svg{max-width:100%;height:auto;border:1px solid #eee}");

    private HtmlRenderer() {
    }

    static String esc(final String s) {
        return s == null ? "" : Svg.esc(s);
    }

    static String render(final Doc doc) {
        final StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .append(esc(doc.title)).append("</title>\n<style>\n").append(CSS).append("\n</style>\n</head>\n<body>\n");
        sb.append("<h1>").append(esc(doc.title)).append("</h1>\n");
        for (final Doc.Section s : doc.sections) {
            sb.append("<h2>").append(esc(s.heading)).append("</h2>\n");
            for (final Doc.Block b : s.blocks) {
                if (b instanceof Doc.Para p) {
                    sb.append("<p>").append(esc(p.text())).append("</p>\n");
                } else if (b instanceof Doc.Bullets l) {
                    sb.append("<ul>\n");
                    for (final String item : l.items()) {
                        sb.append("<li>").append(esc(item)).append("</li>\n");
                    }
                    sb.append("</ul>\n");
                } else if (b instanceof Doc.Table t) {
                    table(sb, t);
                } else if (b instanceof Doc.Chart c) {
                    final String svg = c.svg();
                    sb.append("<figure>\n").append(svg.substring(svg.indexOf("<svg"))).append("</figure>\n");
                }
            }
        }
        sb.append("</body>\n</html>\n");
        return sb.toString();
    }

    private static void table(final StringBuilder sb, final Doc.Table t) {
        sb.append("<div class=\"tabletitle\">").append(esc(t.title())).append("</div>\n<table>\n<thead><tr>");
        for (final String h : t.headers()) {
            sb.append("<th>").append(esc(h)).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (final List<String> r : t.rows()) {
            sb.append("<tr>");
            for (final String c : r) {
                sb.append("<td").append(cls(c)).append('>').append(esc(c).replace("\n", "<br>")).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table>\n<p class=\"caption\">").append(esc(t.caption())).append("</p>\n");
    }

    private static String cls(final String c) {
        if (c == null) {
            return "";
        }
        switch (c) {
            case "PASS":
                return " class=\"PASS\"";
            case "MISS":
                return " class=\"MISS\"";
            case "NOT MEASURED":
                return " class=\"NOTMEASURED\"";
            default:
                return c.matches("[-+]?[0-9][0-9,]*(\\.[0-9]+)?(e[-+]?[0-9]+)?( ± [0-9.,e+-]+)?x?") ? " class=\"num\"" : "";
        }
    }
}
