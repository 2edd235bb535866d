package dev.tandem.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** Serialises a {@link Manifest} to the bytes that get signed: indented JSON, keys in FORMAT.md order. */
public final class ManifestWriter {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ManifestWriter() {
    }

    public static byte[] write(Manifest m) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", m.format());
        root.put("compatible", m.compatible());
        root.put("version", m.version());
        root.put("security-version", m.securityVersion());
        root.put("created", m.created().toString());
        if (m.expires() != null) {
            root.put("expires", m.expires().toString());
        }
        if (m.description() != null) {
            root.put("description", m.description());
        }
        if (m.minTandemVersion() != null) {
            root.put("min-tandem-version", m.minTandemVersion());
        }
        if (m.meta() != null) {
            root.set("meta", m.meta());
        }
        ArrayNode images = root.putArray("images");
        for (ImageEntry i : m.images()) {
            ObjectNode n = images.addObject();
            n.put("name", i.name());
            n.put("slot-class", i.slotClass());
            n.put("size", i.size());
            n.put("sha256", i.sha256());
            n.put("chunk-size", i.chunkSize());
            n.put("block-size", i.blockSize());
            n.put("compression", i.compression());
            n.put("index-sha256", i.indexSha256());
            n.put("index-size", i.indexSize());
            n.put("chunks", i.chunks());
        }
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise manifest", e);
        }
    }
}
