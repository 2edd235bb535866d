package dev.tandem.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * The hawkBit Management API ({@code /rest/v1}, HTTP Basic admin:admin) as the tests use it: tenant settings,
 * targets, software modules with artifacts, distribution sets, assignments, cancels, and what the server shows
 * about an action (REPORT.md §3).
 */
public final class HawkbitManagement {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String auth = "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(
            StandardCharsets.US_ASCII));

    public HawkbitManagement(URI server) {
        this.base = server.resolve("/rest/v1");
    }

    /** Target- and gateway-token auth on, polling every second (the server's minimum is set to 1 s). */
    public void configureTenant(String gatewayToken) throws IOException {
        config("authentication.targettoken.enabled", true);
        config("authentication.gatewaytoken.enabled", true);
        config("authentication.gatewaytoken.key", gatewayToken);
        config("pollingTime", "00:00:01");
    }

    public void config(String key, Object value) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.putPOJO("value", value);
        send("PUT", "/system/configs/" + key, body, 200);
    }

    public void createTarget(String controllerId, String token) throws IOException {
        ArrayNode body = JSON.createArrayNode();
        body.addObject().put("controllerId", controllerId).put("name", controllerId).put("securityToken", token);
        send("POST", "/targets", body, 201);
    }

    /** A distribution set of one "os" software module holding {@code files}; returns the set's id. */
    public long distributionSet(String name, String version, List<Path> files) throws IOException {
        ArrayNode sm = JSON.createArrayNode();
        sm.addObject().put("name", name).put("version", version).put("type", "os").put("vendor", "tandem tests");
        long smId = send("POST", "/softwaremodules", sm, 201).get(0).get("id").asLong();
        for (Path f : files) {
            upload(smId, f);
        }
        ArrayNode ds = JSON.createArrayNode();
        ObjectNode d = ds.addObject().put("name", name).put("version", version).put("type", "os")
                .put("requiredMigrationStep", false);
        d.putArray("modules").addObject().put("id", smId);
        return send("POST", "/distributionsets", ds, 201).get(0).get("id").asLong();
    }

    private void upload(long smId, Path file) throws IOException {
        String boundary = "tandem-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String name = file.getFileName().toString();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(file));
        body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"filename\"\r\n\r\n"
                + name + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest r = request("/softwaremodules/" + smId + "/artifacts")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        exchange(r, 201);
    }

    /**
     * Assigns a distribution set; returns the action id.
     *
     * @param type   {@code forced}, {@code soft} or {@code downloadonly}
     * @param window a maintenance window ({@code schedule} cron, {@code duration}, {@code timezone}), or null
     */
    public long assign(long dsId, String controllerId, String type, ObjectNode window) throws IOException {
        ArrayNode body = JSON.createArrayNode();
        ObjectNode a = body.addObject().put("id", controllerId).put("type", type);
        if (window != null) {
            a.set("maintenanceWindow", window);
        }
        JsonNode r = send("POST", "/distributionsets/" + dsId + "/assignedTargets", body, 200);
        return r.get("assignedActions").get(0).get("id").asLong();
    }

    /** Asks the device to cancel an action. */
    public void cancel(String controllerId, long actionId) throws IOException {
        exchange(request("/targets/" + controllerId + "/actions/" + actionId).DELETE().build(), 204);
    }

    public JsonNode action(String controllerId, long actionId) throws IOException {
        return get("/targets/" + controllerId + "/actions/" + actionId);
    }

    /** The action's status history, oldest first: each has {@code type} and {@code messages}. */
    public List<JsonNode> statuses(String controllerId, long actionId) throws IOException {
        JsonNode page = get("/targets/" + controllerId + "/actions/" + actionId + "/status?limit=500&sort=id:ASC");
        List<JsonNode> out = new ArrayList<>();
        page.get("content").forEach(out::add);
        return out;
    }

    public JsonNode target(String controllerId) throws IOException {
        return get("/targets/" + controllerId);
    }

    /** The target's attributes; empty before the device sent any (hawkBit answers 204 then). */
    public JsonNode attributes(String controllerId) throws IOException {
        HttpResponse<byte[]> r = exchange(request("/targets/" + controllerId + "/attributes").GET().build(), -1);
        if (r.statusCode() == 204 || r.body().length == 0) {
            return JSON.createObjectNode();
        }
        if (r.statusCode() != 200) {
            throw new IOException("attributes of " + controllerId + ": HTTP " + r.statusCode());
        }
        return JSON.readTree(r.body());
    }

    /** The installed distribution set's id, or -1. */
    public long installedDs(String controllerId) throws IOException {
        HttpResponse<byte[]> r = exchange(request("/targets/" + controllerId + "/installedDS").GET().build(), -1);
        if (r.statusCode() != 200 || r.body().length == 0) {
            return -1;
        }
        return JSON.readTree(r.body()).path("id").asLong(-1);
    }

    public JsonNode get(String path) throws IOException {
        return JSON.readTree(exchange(request(path).GET().build(), 200).body());
    }

    private JsonNode send(String method, String path, JsonNode body, int expected) throws IOException {
        HttpRequest r = request(path).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
        byte[] answer = exchange(r, expected).body();
        return answer.length == 0 ? JSON.createObjectNode() : JSON.readTree(answer);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", auth)
                .header("Accept", "application/json");
    }

    private HttpResponse<byte[]> exchange(HttpRequest r, int expected) throws IOException {
        try {
            HttpResponse<byte[]> response = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
            if (expected > 0 && response.statusCode() != expected) {
                throw new IOException(r.method() + " " + r.uri() + ": HTTP " + response.statusCode() + " (expected "
                        + expected + "): " + new String(response.body(), StandardCharsets.UTF_8));
            }
            return response;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
