package dev.tandem.agent.ddi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

/**
 * Talks DDI to one controller: {@code {server}/{tenant}/controller/v1/{controllerId}}. Plain
 * {@link HttpURLConnection}s (keep-alive through the JDK's connection cache): the idle agent polls a few small
 * JSON documents an hour, and the JDK's newer {@code java.net.http} client would keep a selector thread and some
 * 400 more classes (and TLS, even for http) resident for that. No redirects are followed: DDI never redirects,
 * and a redirect must not carry the token elsewhere. Every request sends the {@code Authorization} header when
 * there is one. Blocking; called from the agent's one scheduler thread.
 */
public final class DdiClient {

    private static final String JSON = "application/json";
    private static final String HAL_JSON = "application/hal+json";

    private final URI base;
    private final String authorization;
    private final int connectTimeoutMs;
    private final int requestTimeoutMs;
    private final SSLSocketFactory tls;

    /**
     * @param server         the server URL ({@code [agent] server}); a path prefix is kept
     * @param tenant         the DDI tenant
     * @param controllerId   this device's controller id
     * @param authorization  the {@code Authorization} header value ({@code TargetToken …}), or null
     * @param ssl            the TLS context for https, null for the JDK's default trust
     * @param connectTimeout TCP + TLS connect
     * @param requestTimeout the longest wait for data once connected
     */
    public DdiClient(URI server, String tenant, String controllerId, String authorization, SSLContext ssl,
                     Duration connectTimeout, Duration requestTimeout) {
        String s = server.toString();
        this.base = URI.create((s.endsWith("/") ? s : s + "/") + encode(tenant) + "/controller/v1/"
                + encode(controllerId));
        this.authorization = authorization;
        this.connectTimeoutMs = (int) Objects.requireNonNull(connectTimeout, "connectTimeout").toMillis();
        this.requestTimeoutMs = (int) Objects.requireNonNull(requestTimeout, "requestTimeout").toMillis();
        this.tls = ssl == null ? null : ssl.getSocketFactory();
    }

    /** The controller base resource, the URL that is polled. */
    public URI base() {
        return base;
    }

    /** The {@code Authorization} header value, or null; the artifact download sends it too. */
    public String authorization() {
        return authorization;
    }

    /** Polls: {@code GET {base}}. */
    public DdiControllerBase poll() throws DdiException {
        return get(base, DdiControllerBase.class);
    }

    /** Reads an update action from its {@code deploymentBase} link. */
    public DdiDeploymentBase deploymentBase(DdiLink link) throws DdiException {
        return get(link.uri(), DdiDeploymentBase.class);
    }

    /** Reads a cancel request from its {@code cancelAction} link. */
    public DdiCancel cancelAction(DdiLink link) throws DdiException {
        return get(link.uri(), DdiCancel.class);
    }

    /**
     * Sends feedback about {@code actionId} to the resource {@code status} belongs to
     * ({@code deploymentBase/{id}/feedback} or {@code cancelAction/{id}/feedback}).
     */
    public void feedback(UpdateStatus status, DdiActionFeedback feedback) throws DdiException {
        String resource = status.endpoint() == UpdateStatus.Endpoint.CANCEL ? "cancelAction" : "deploymentBase";
        send("POST", URI.create(base + "/" + resource + "/" + encode(feedback.id()) + "/feedback"),
                DdiJson.write(feedback));
    }

    /** Sends the device's attributes: {@code PUT {base}/configData}. */
    public void configData(DdiConfigData data) throws DdiException {
        send("PUT", URI.create(base + "/configData"), DdiJson.write(data));
    }

    private <T> T get(URI uri, Class<T> type) throws DdiException {
        byte[] body = exchange("GET", uri, null);
        try {
            return DdiJson.read(body, type);
        } catch (IOException e) {
            throw new DdiException(DdiException.Kind.PROTOCOL, 200, "GET " + display(uri) + ": " + e.getMessage(), e);
        }
    }

    private void send(String method, URI uri, byte[] body) throws DdiException {
        exchange(method, uri, body);
    }

    /** One request; returns the body of a 2xx answer, and reads (so the connection is reused) any other. */
    private byte[] exchange(String method, URI uri, byte[] body) throws DdiException {
        String context = method + " " + display(uri);
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection();
            if (c instanceof HttpsURLConnection https && tls != null) {
                https.setSSLSocketFactory(tls);
            }
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setConnectTimeout(connectTimeoutMs);
            c.setReadTimeout(requestTimeoutMs);
            c.setRequestMethod(method);
            c.setRequestProperty("Accept", body == null ? HAL_JSON + ", " + JSON : JSON);
            if (authorization != null) {
                c.setRequestProperty("Authorization", authorization);
            }
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", JSON);
                c.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int st = c.getResponseCode();
            if (st >= 200 && st < 300) {
                try (InputStream in = c.getInputStream()) {
                    return in.readAllBytes();
                }
            }
            try (InputStream err = c.getErrorStream()) {
                if (err != null) {
                    err.readAllBytes();
                }
            }
            String where = st >= 300 && st < 400 ? " (redirect to "
                    + (c.getHeaderField("Location") == null ? "nowhere" : c.getHeaderField("Location"))
                    + " not followed)" : "";
            throw new DdiException(DdiException.kindOf(st), st, context + ": HTTP " + st + where, null);
        } catch (DdiException e) {
            throw e;
        } catch (SocketTimeoutException e) {
            drop(c);
            throw new DdiException(DdiException.Kind.NETWORK, 0, context + ": timed out", e);
        } catch (ConnectException e) {
            throw new DdiException(DdiException.Kind.NETWORK, 0, context + ": cannot connect"
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        } catch (SSLException e) {
            drop(c);
            throw new DdiException(DdiException.Kind.NETWORK, 0, context + ": TLS: " + e.getMessage(), e);
        } catch (IOException e) {
            drop(c);
            throw new DdiException(DdiException.Kind.NETWORK, 0, context + ": " + e, e);
        }
    }

    private static void drop(HttpURLConnection c) {
        if (c != null) {
            c.disconnect();
        }
    }

    /** A URL for messages: without user info and query. */
    static String display(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                + uri.getRawPath();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
