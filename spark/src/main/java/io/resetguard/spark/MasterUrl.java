package io.resetguard.spark;

import io.resetguard.cli.SweepSupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MasterUrl - checks a {@code --master} URL before Spark is started, so that a typo or an unreachable
 * cluster is one line and exit code 2 before any task runs.
 *
 * <p>Why before: Spark itself accepts a standalone master it cannot reach and keeps retrying the
 * registration for about a minute before it gives up ("All masters are unresponsive"), and an unknown
 * scheme fails deep inside {@code SparkContext} with a stack trace. Here:
 * <ul>
 *   <li>{@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]}, {@code local[*,F]} and
 *       {@code local-cluster[N,C,M]} are accepted (N at least 1);</li>
 *   <li>{@code spark://HOST:PORT[,HOST:PORT...]} and {@code k8s://[https://]HOST:PORT} are accepted if a
 *       TCP connection to one of the addresses opens within {@link #CONNECT_TIMEOUT_MS};</li>
 *   <li>{@code yarn} is accepted (its address is in the Hadoop configuration, which Spark reads);</li>
 *   <li>anything else is refused, naming the forms above.</li>
 * </ul>
 * A reachable port is not proof of a working cluster (a master without workers leaves the tasks
 * waiting); the check rules out only what can be ruled out cheaply.
 */
final class MasterUrl {
    /** How long one address may take to accept a TCP connection. */
    static final int CONNECT_TIMEOUT_MS = 3_000;

    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|[1-9][0-9]{0,5})(?:,([1-9][0-9]{0,5}))?])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*]");

    private MasterUrl() {
    }

    /**
     * Check {@code url} as the class Javadoc says.
     *
     * @param url the master URL as given
     * @throws IllegalArgumentException one line naming {@code --master} and the URL
     */
    static void check(final String url) {
        final String name = "--master '" + SweepSupport.clip(url) + "'";
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(name + ": must name a Spark master, e.g. local[*]");
        }
        if (LOCAL.matcher(url).matches() || LOCAL_CLUSTER.matcher(url).matches() || "yarn".equals(url)) {
            return;
        }
        final List<InetSocketAddress> addrs = new ArrayList<>();
        if (url.startsWith("spark://")) {
            for (final String hp : url.substring("spark://".length()).split(",", -1)) {
                addrs.add(hostPort(name, hp));
            }
        } else if (url.startsWith("k8s://")) {
            String rest = url.substring("k8s://".length());
            if (!rest.contains("://")) {
                rest = "https://" + rest;
            }
            final URI u;
            try {
                u = new URI(rest);
            } catch (final java.net.URISyntaxException e) {
                throw new IllegalArgumentException(name + ": not a Kubernetes API URL: " + e.getReason());
            }
            if (u.getHost() == null) {
                throw new IllegalArgumentException(name + ": not a Kubernetes API URL (no host)");
            }
            addrs.add(InetSocketAddress.createUnresolved(u.getHost(),
                u.getPort() >= 0 ? u.getPort() : "http".equals(u.getScheme()) ? 80 : 443));
        } else {
            throw new IllegalArgumentException(name + ": not a Spark master URL; use local[*], local[N], "
                + "spark://HOST:PORT, k8s://HOST:PORT or yarn");
        }
        String why = null;
        for (final InetSocketAddress a : addrs) {
            final String err = connect(a);
            if (err == null) {
                return;
            }
            why = a.getHostString() + ":" + a.getPort() + " (" + err + ")";
        }
        throw new IllegalArgumentException(SweepSupport.line(name + ": no Spark master answers at " + why
            + "; start it, or run on this machine with --master 'local[*]'"));
    }

    /**
     * @return the task slots of a local master (its N; the processors for {@code *}; 1 for
     *         {@code local}), or 0 for a master whose tasks run in other JVMs
     */
    static int localSlots(final String url) {
        final Matcher m = LOCAL.matcher(url);
        if (!m.matches()) {
            return 0;
        }
        if (m.group(1) == null) {
            return 1;
        }
        return "*".equals(m.group(1)) ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
    }

    private static InetSocketAddress hostPort(final String name, final String hp) {
        final Matcher m = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[^:\\[\\]/]+):([0-9]{1,5})").matcher(hp);
        if (!m.matches() || Integer.parseInt(m.group(2)) == 0 || Integer.parseInt(m.group(2)) > 65_535) {
            throw new IllegalArgumentException(name + ": '" + SweepSupport.clip(hp) + "' is not HOST:PORT");
        }
        final String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
        return InetSocketAddress.createUnresolved(host, Integer.parseInt(m.group(2)));
    }

    /** @return null if a TCP connection to {@code a} opened, else why not. */
    private static String connect(final InetSocketAddress a) {
        final InetSocketAddress resolved = new InetSocketAddress(a.getHostString(), a.getPort());
        if (resolved.isUnresolved()) {
            return "unknown host";
        }
        try (Socket s = new Socket()) {
            s.connect(resolved, CONNECT_TIMEOUT_MS);
            return null;
        } catch (final java.net.SocketTimeoutException e) {
            return "no answer in " + CONNECT_TIMEOUT_MS / 1000 + " s";
        } catch (final IOException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }
}
