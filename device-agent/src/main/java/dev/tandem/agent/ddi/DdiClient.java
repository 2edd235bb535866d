package dev.tandem.agent.ddi;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * Talks DDI to one controller: {@code {server}/{tenant}/controller/v1/{controllerId}}. One JDK HTTP client for the
 * agent's life (HTTP/1.1, keep-alive, no redirects: DDI never redirects, and a redirect must not carry the token
 * elsewhere). Every request sends the {@code Authorization} header when there is one. Blocking; called from the
 * agent's one scheduler thread.
 */
public final class DdiClient {

    private static final String JSON = "application/json";
    private static final String HAL_JSON = "application/hal+json";

    private final URI base;
    private final String authorization;
    private final Duration requestTimeout;
    private final HttpClient http;

    /**
     * @param server         the server URL ({@code [agent] server}); a path prefix is kept
     * @param tenant         the DDI tenant
     * @param controllerId   this device's controller id
     * @param authorization  the {@code Authorization} header value ({@code TargetToken …}), or null
     * @param ssl            the TLS context for https, null for the JDK's default trust
     * @param connectTimeout TCP + TLS connect
     * @param requestTimeout one whole request
     */
    public DdiClient(URI server, String tenant, String controllerId, String authorization, SSLContext ssl,
                     Duration connectTimeout, Duration requestTimeout) {
        String s = server.toString();
        this.base = URI.create((s.endsWith("/") ? s : s + "/") + encode(tenant) + "/controller/v1/"
                + encode(controllerId));
        this.authorization = authorization;
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connectTimeout);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
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
        HttpRequest.Builder r = request(uri).header("Accept", HAL_JSON + ", " + JSON).GET();
        HttpResponse<byte[]> response = exchange(r.build(), "GET " + display(uri));
        try {
            return DdiJson.read(response.body(), type);
        } catch (IOException e) {
            throw new DdiException(DdiException.Kind.PROTOCOL, response.statusCode(), "GET " + display(uri) + ": "
                    + e.getMessage(), e);
        }
    }

    private void send(String method, URI uri, byte[] body) throws DdiException {
        HttpRequest.Builder r = request(uri).header("Content-Type", JSON).header("Accept", JSON)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        exchange(r.build(), method + " " + display(uri));
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(requestTimeout);
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return r;
    }

    private HttpResponse<byte[]> exchange(HttpRequest request, String context) throws DdiException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new DdiException(DdiException.Kind.NETWORK, 0, context + ": timed out", e);
        } catch (ConnectException e) {
            throw new DdiException(DdiException.Kind.NETWORK, 0, context + ": cannot connect"
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        } catch (IOException e) {
            throw new DdiException(DdiException.Kind.NETWORK, 0, context + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DdiException(DdiException.Kind.NETWORK, 0, context + ": interrupted", e);
        }
        int st = response.statusCode();
        if (st >= 200 && st < 300) {
            return response;
        }
        String where = st >= 300 && st < 400 ? " (redirect to "
                + response.headers().firstValue("Location").orElse("nowhere") + " not followed)" : "";
        throw new DdiException(DdiException.kindOf(st), st, context + ": HTTP " + st + where, null);
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
