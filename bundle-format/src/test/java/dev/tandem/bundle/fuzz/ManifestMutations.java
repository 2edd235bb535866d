package dev.tandem.bundle.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Mutations of the manifest. All but {@link #unsignedChange} are re-signed with the trusted test key, so that
 * the strict parser behind the signature is what judges them (FORMAT.md §2).
 */
final class ManifestMutations {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] INTEGER_KEYS = {"format", "security-version"};
    private static final String[] IMAGE_INTEGER_KEYS = {"size", "chunk-size", "block-size", "index-size", "chunks"};
    private static final String[] STRING_KEYS = {"compatible", "version", "created", "description"};
    private static final String[] IMAGE_STRING_KEYS = {"name", "slot-class", "sha256", "compression", "index-sha256"};

    private ManifestMutations() {
    }

    /** A value of another JSON type where a number or a string belongs. */
    static Mutant wrongType(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        ObjectNode root = e.json();
        boolean image = r.nextBoolean();
        ObjectNode target = image ? e.image(root, r.nextInt(seed.images.size())) : root;
        boolean number = r.nextBoolean();
        String[] keys = image ? (number ? IMAGE_INTEGER_KEYS : IMAGE_STRING_KEYS) : (number ? INTEGER_KEYS : STRING_KEYS);
        String key = keys[r.nextInt(keys.length)];
        JsonNode old = target.get(key);
        JsonNode value = switch (r.nextInt(7)) {
            case 0 -> number ? F.textNode(old.asText()) : F.numberNode(r.nextInt(100));
            case 1 -> F.nullNode();
            case 2 -> F.booleanNode(r.nextBoolean());
            case 3 -> F.arrayNode().add(old);
            case 4 -> F.objectNode().set("value", old);
            case 5 -> F.numberNode(old.isNumber() ? old.asDouble() + 0.5 : 1.5);
            default -> number ? F.numberNode(old.asLong() + 0.0) : F.arrayNode();
        };
        target.set(key, value);
        e.setJson(root);
        return e.mutant("manifest-type", (image ? "image." : "") + key + " = " + value, Mutant.Expect.REFUSE);
    }

    /** Numbers no field accepts: negative, beyond 64 bits, fractional, exponent forms, longer than 40 digits. */
    static Mutant hugeNumber(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        String[] literals = {"-1", "9223372036854775808", "18446744073709551616", "1e400", "-1e400", "1.5",
                "1E2", "12345678901234567890123456789012345678901", "4294967296000000000000", "-9223372036854775809",
                "1" + "0".repeat(1000)};
        String literal = literals[r.nextInt(literals.length)];
        boolean image = r.nextBoolean();
        String key = image ? IMAGE_INTEGER_KEYS[r.nextInt(IMAGE_INTEGER_KEYS.length)]
                : INTEGER_KEYS[r.nextInt(INTEGER_KEYS.length)];
        String text = e.manifestText();
        String needle = "\"" + key + "\" : ";
        int from = image ? text.indexOf("\"images\"") : 0;
        int at = text.indexOf(needle, from);
        int end = at + needle.length();
        while (end < text.length() && (Character.isDigit(text.charAt(end)) || text.charAt(end) == '-')) {
            end++;
        }
        e.setManifestText(text.substring(0, at + needle.length()) + literal + text.substring(end), true);
        return e.mutant("manifest-number", key + " = " + abbreviate(literal), Mutant.Expect.REFUSE);
    }

    /** The same key twice in one object, with the same or another value. */
    static Mutant duplicateKey(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        String text = e.manifestText();
        boolean image = r.nextBoolean();
        String key = image ? IMAGE_STRING_KEYS[r.nextInt(IMAGE_STRING_KEYS.length)]
                : new String[] {"format", "compatible", "version", "created", "images"}[r.nextInt(5)];
        int obj = image ? text.indexOf('{', text.indexOf("\"images\"")) : text.indexOf('{');
        String value = e.json().at(image ? "/images/0/" + key : "/" + key).toString();
        String dup = "\"" + key + "\" : " + (r.nextBoolean() ? value : "\"other\"") + ",";
        e.setManifestText(text.substring(0, obj + 1) + dup + text.substring(obj + 1), true);
        return e.mutant("manifest-duplicate-key", (image ? "images[0]." : "") + key, Mutant.Expect.REFUSE);
    }

    /** Nested objects or arrays under "meta" (free-form, allowed up to the depth limit) or where they do not belong. */
    static Mutant deepNesting(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        int depth = 1 + r.nextInt(r.nextInt(8) == 0 ? 5000 : 40);
        boolean arrays = r.nextBoolean();
        StringBuilder open = new StringBuilder();
        StringBuilder close = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            open.append(arrays ? "[" : "{\"a\":");
            close.append(arrays ? "]" : "}");
        }
        String nested = open + "1" + close;
        boolean underMeta = r.nextInt(3) != 0;
        String text = e.manifestText();
        int brace = text.indexOf('{');
        String key = underMeta ? "meta" : new String[] {"description", "security-version", "images"}[r.nextInt(3)];
        String inserted = "\"" + key + "\" : " + (underMeta ? "{\"x\":" + nested + "}" : nested) + ",";
        if (!underMeta) {
            // Replace the key's value: remove the existing key first.
            ObjectNode root = e.json();
            root.remove(key);
            try {
                text = BundleEdit.JSON.writeValueAsString(root) + "\n";
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new IllegalStateException(ex);
            }
            brace = text.indexOf('{');
        }
        e.setManifestText(text.substring(0, brace + 1) + inserted + text.substring(brace + 1), true);
        // Total depth: the manifest object, "meta", "x", then the nesting. The limit is 16; leave the boundary
        // itself out of the expectations (how a parser counts it is its business).
        int total = underMeta ? 2 + depth : 1 + depth;
        Mutant.Expect expect = !underMeta || total > 16 ? Mutant.Expect.REFUSE
                : total < 16 ? Mutant.Expect.EITHER : null;
        return e.mutant("manifest-nesting", key + " nested " + depth + (arrays ? " arrays" : " objects") + " deep",
                expect == null ? Mutant.Expect.EITHER : expect);
    }

    /** Keys the format does not know; only "meta" holds free data. */
    static Mutant unknownKey(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        ObjectNode root = e.json();
        String key = new String[] {"Format", "format ", "signature", "images2", "__proto__", "\u0000", "sha256",
                "expires-at", "meta2", "x".repeat(300)}[r.nextInt(10)];
        int where = r.nextInt(3);
        if (where == 0) {
            root.put(key, "value");
        } else if (where == 1) {
            e.image(root, 0).put(key, 1);
        } else {
            root.putObject("meta").put(key, "vendor data");
        }
        e.setJson(root);
        return e.mutant("manifest-unknown-key", (where == 1 ? "images[0]." : where == 2 ? "meta." : "")
                + abbreviate(key), where == 2 ? Mutant.Expect.EITHER : Mutant.Expect.REFUSE);
    }

    /** A required key left out (an optional one may go). */
    static Mutant missingKey(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        ObjectNode root = e.json();
        boolean image = r.nextBoolean();
        ObjectNode target = image ? e.image(root, r.nextInt(seed.images.size())) : root;
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = target.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        String key = keys.get(r.nextInt(keys.size()));
        target.remove(key);
        e.setJson(root);
        boolean optional = !image && (key.equals("description") || key.equals("security-version"));
        return e.mutant("manifest-missing-key", (image ? "image." : "") + key,
                optional ? Mutant.Expect.EITHER : Mutant.Expect.REFUSE);
    }

    /** A value changed to one that contradicts the data or the rules, or (the last few) to one that does not. */
    static Mutant valueChange(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        ObjectNode root = e.json();
        int k = r.nextInt(seed.images.size());
        ObjectNode img = e.image(root, k);
        int variant = r.nextInt(26);
        String what;
        Mutant.Expect expect = Mutant.Expect.REFUSE;
        switch (variant) {
            case 0 -> { img.put("size", img.get("size").asLong() + (r.nextBoolean() ? 1 : -1)); what = "size +-1"; }
            case 1 -> { img.put("size", img.get("size").asLong() * 2); what = "size doubled"; }
            case 2 -> { img.put("chunk-size", 32768); what = "chunk-size 32768"; }
            case 3 -> { img.put("chunk-size", 16385); what = "chunk-size 16385"; }
            case 4 -> { img.put("block-size", 512); what = "block-size 512"; }
            case 5 -> { img.put("compression", "gzip"); what = "compression gzip"; }
            case 6 -> { img.put("sha256", flipHex(img.get("sha256").asText(), r)); what = "sha256 changed"; }
            case 7 -> { img.put("index-sha256", flipHex(img.get("index-sha256").asText(), r)); what = "index-sha256"; }
            case 8 -> { img.put("index-size", img.get("index-size").asLong() + 48); what = "index-size +48"; }
            case 9 -> { img.put("chunks", img.get("chunks").asLong() + 1); what = "chunks +1"; }
            case 10 -> { img.put("name", "other"); what = "name other"; }
            case 11 -> { img.put("name", "Root FS/.."); what = "name invalid"; }
            case 12 -> { img.put("slot-class", "-bad"); what = "slot-class invalid"; }
            case 13 -> { root.put("format", 2); what = "format 2"; }
            case 14 -> { root.put("compatible", new String[] {"", " x", "x ", "a\u0001b", "x".repeat(129),
                    "caf\u00e9"}[r.nextInt(6)]); what = "compatible invalid"; }
            case 15 -> { root.put("version", new String[] {"1.0", "01.0.0", "1.0.0-", "v1.0.0", "1.0.0+",
                    "1.0.0-01", "9".repeat(200) + ".0.0"}[r.nextInt(7)]); what = "version invalid"; }
            case 16 -> { root.put("created", new String[] {"yesterday", "2026-13-01T00:00:00Z", "",
                    "2026-11-20 10:00:00"}[r.nextInt(4)]); what = "created invalid"; }
            case 17 -> { ArrayNode images = (ArrayNode) root.get("images");
                if (images.size() < 2) {
                    images.add(images.get(0).deepCopy());
                    what = "image listed twice";
                } else {
                    JsonNode first = images.remove(0);
                    images.add(first);
                    what = "images reordered";
                } }
            case 18 -> { root.putArray("images"); what = "no images"; }
            case 19 -> { ArrayNode images = (ArrayNode) root.get("images");
                for (int i = 0; i < 17; i++) {
                    ObjectNode copy = images.get(0).deepCopy();
                    copy.put("name", "img" + i);
                    images.add(copy);
                }
                what = "more than 16 images"; }
            case 20 -> { root.put("description", "d".repeat(4097 + r.nextInt(100))); what = "description too long"; }
            case 21 -> { root.put("min-tandem-version", "next"); what = "min-tandem-version invalid"; }
            case 22 -> { root.put("expires", "never"); what = "expires invalid"; }
            // Changes that the trusted key may well sign: the bundle still verifies, its images unchanged.
            case 23 -> { root.put("description", "re-signed " + r.nextInt()); what = "description"; expect = Mutant.Expect.EITHER; }
            case 24 -> { root.put("expires", "2099-01-01T00:00:00Z"); what = "expires added"; expect = Mutant.Expect.EITHER; }
            default -> { root.put("security-version", r.nextInt(1000)); what = "security-version"; expect = Mutant.Expect.EITHER; }
        }
        e.setJson(root);
        return e.mutant("manifest-value", what, expect);
    }

    /** Bytes that are not one JSON object: trailing data, comments, a BOM, bad UTF-8, NULs, other types, cut short. */
    static Mutant notJson(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        String text = e.manifestText();
        int variant = r.nextInt(10);
        byte[] bytes = switch (variant) {
            case 0 -> (text + "{}").getBytes(StandardCharsets.UTF_8);
            case 1 -> ("// comment\n" + text).getBytes(StandardCharsets.UTF_8);
            case 2 -> ("\ufeff" + text).getBytes(StandardCharsets.UTF_8);
            case 3 -> text.replace("fuzz seed", "fuzz \u0000 seed").getBytes(StandardCharsets.UTF_8);
            case 4 -> {
                byte[] b = text.getBytes(StandardCharsets.UTF_8);
                int at = text.indexOf("fuzz seed");
                b[at] = (byte) 0xC3;
                yield b;
            }
            case 5 -> ("[" + text + "]").getBytes(StandardCharsets.UTF_8);
            case 6 -> text.substring(0, 1 + r.nextInt(text.length() - 2)).getBytes(StandardCharsets.UTF_8);
            case 7 -> "\"tandem\"".getBytes(StandardCharsets.UTF_8);
            case 8 -> text.replace("\"", "'").getBytes(StandardCharsets.UTF_8);
            default -> text.replace(",", ",,").getBytes(StandardCharsets.UTF_8);
        };
        e.setManifest(bytes, true);
        // A byte order mark in front of signed UTF-8 JSON may be skipped by a parser: harmless either way.
        return e.mutant("manifest-syntax", "variant " + variant,
                variant == 2 ? Mutant.Expect.EITHER : Mutant.Expect.REFUSE);
    }

    /** Other spellings of the same JSON (compact, keys reordered): signed, so they may verify. */
    static Mutant respelled(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        ObjectNode root = e.json();
        ObjectNode reordered = F.objectNode();
        List<String> keys = new ArrayList<>();
        root.fieldNames().forEachRemaining(keys::add);
        java.util.Collections.shuffle(keys, r);
        keys.forEach(k -> reordered.set(k, root.get(k)));
        e.setManifestText(r.nextBoolean() ? reordered.toString() : reordered.toPrettyString() + "\n\n  ", true);
        return e.mutant("manifest-respelled", "keys reordered", Mutant.Expect.EITHER);
    }

    /** The manifest changes but the signature stays: refused whatever the change. */
    static Mutant unsignedChange(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        byte[] m = e.manifest.clone();
        int at = r.nextInt(m.length);
        m[at] = (byte) (m[at] == ' ' ? '\t' : m[at] ^ (1 << r.nextInt(7)));
        e.setManifest(m, false);
        return e.mutant("manifest-unsigned", "byte " + at + " changed, old signature", Mutant.Expect.REFUSE);
    }

    /** A manifest larger than the 1 MiB the format allows, signed. */
    static Mutant oversized(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        ObjectNode root = e.json();
        root.putObject("meta").put("padding", "p".repeat(1024 * 1024 + r.nextInt(1000)));
        e.setJson(root);
        return e.mutant("manifest-size", "more than 1 MiB", Mutant.Expect.REFUSE);
    }

    private static String flipHex(String hex, Random r) {
        char[] c = hex.toCharArray();
        int at = r.nextInt(c.length);
        c[at] = c[at] == '0' ? '1' : '0';
        return new String(c);
    }

    static String abbreviate(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 40 ? p.substring(0, 40) + "..." : p;
    }
}
