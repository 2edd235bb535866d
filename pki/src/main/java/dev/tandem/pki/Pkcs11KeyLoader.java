package dev.tandem.pki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.security.auth.login.LoginException;

import dev.tandem.pki.pkcs11.CertificateObject;
import dev.tandem.pki.pkcs11.Pkcs11CallException;
import dev.tandem.pki.pkcs11.Token;
import dev.tandem.pki.pkcs11.TokenDirectory;

/**
 * Loads a private key named by a {@code pkcs11:} URI through the JDK's SunPKCS11 provider.
 *
 * <ol>
 * <li>The token is found by listing the module's slots ({@link TokenDirectory}, no login) and matching
 *     {@code token}, {@code manufacturer}, {@code model}, {@code serial}, {@code slot-id}; exactly one
 *     token must match. Its slot id goes into a generated SunPKCS11 configuration.</li>
 * <li>The key is found through SunPKCS11's KeyStore, whose aliases are the labels of certificate objects
 *     paired with a private key by CKA_ID; SunPKCS11 shows no private key without such a certificate.
 *     {@code object}/{@code id} therefore select a certificate object on the token (listed without login),
 *     and its private key is the one used. The certificate file given to tandem is still what is embedded
 *     and checked against the key.</li>
 * </ol>
 *
 * <p>One SunPKCS11 instance per module and slot is kept for the life of the process: a PKCS#11 module
 * and its login state are per process anyway, and a new instance per load would open sessions and
 * threads that are never released. Instances are not registered with {@link Security}.
 */
final class Pkcs11KeyLoader {

    /** A key in a token and the provider instance that can use it. */
    record LoadedKey(PrivateKey key, Provider provider, String redactedUri) {
    }

    private static final Map<String, Provider> PROVIDERS = new ConcurrentHashMap<>();

    private Pkcs11KeyLoader() {
    }

    static LoadedKey load(String uriText) {
        Pkcs11Uri uri;
        try {
            uri = Pkcs11Uri.parse(uriText);
        } catch (IllegalArgumentException e) {
            throw new KeyMaterialException("key " + uriText.replaceAll("pin-value=[^&]*", "pin-value=***")
                    + ": " + e.getMessage());
        }
        String what = "key " + uri.redacted();
        String modulePath = uri.query().get("module-path");
        if (modulePath == null) {
            throw new KeyMaterialException(what + ": module-path= is required (the PKCS#11 module to load)");
        }
        Path module = Path.of(modulePath);
        if (!Files.isRegularFile(module)) {
            throw new KeyMaterialException(what + ": PKCS#11 module " + module + " does not exist");
        }
        if (!uri.path().containsKey("object") && uri.id() == null) {
            throw new KeyMaterialException(what + ": object= or id= is required to choose the key");
        }
        char[] pin = pin(uri, what);
        try {
            Token token = token(uri, module, what);
            String alias = alias(uri, module, token, what);
            Provider provider = PROVIDERS.computeIfAbsent(module.toAbsolutePath() + "#" + token.slotId(),
                    k -> configure(module, token.slotId()));
            Key key;
            // One login at a time per token: KeyStore.load logs the shared token in.
            synchronized (provider) {
                KeyStore store = KeyStore.getInstance("PKCS11", provider);
                store.load(null, pin);
                key = store.getKey(alias, null);
            }
            if (!(key instanceof PrivateKey privateKey)) {
                throw new KeyMaterialException(what + ": token \"" + token.label() + "\" has no private key with"
                        + " the CKA_ID of certificate object \"" + alias + "\"");
            }
            return new LoadedKey(privateKey, provider, uri.redacted());
        } catch (Pkcs11CallException e) {
            throw new KeyMaterialException(what + ": " + e.getMessage(), e);
        } catch (IOException e) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof LoginException) {
                    Throwable root = t;
                    while (root.getCause() != null) {
                        root = root.getCause();
                    }
                    throw new KeyMaterialException(what + ": login failed (" + Pem.oneLine(root) + ")", e);
                }
            }
            throw new KeyMaterialException(what + ": cannot open the token (" + Pem.oneLine(e) + ")", e);
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof KeyMaterialException k) {
                throw k;
            }
            throw new KeyMaterialException(what + ": " + Pem.oneLine(e), e);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    private static char[] pin(Pkcs11Uri uri, String what) {
        if (uri.query().containsKey("pin-value")) {
            return uri.query().get("pin-value").toCharArray();
        }
        String source = uri.query().get("pin-source");
        if (source == null) {
            throw new KeyMaterialException(what + ": pin-value= or pin-source= is required");
        }
        Path file = Path.of(source.startsWith("file:") ? java.net.URI.create(source).getPath() : source);
        try {
            // A PIN file usually ends with a newline that is not part of the PIN.
            return Files.readString(file, StandardCharsets.UTF_8).replaceFirst("\r?\n$", "").toCharArray();
        } catch (IOException | RuntimeException e) {
            throw new KeyMaterialException(what + ": cannot read PIN file " + file + " (" + Pem.oneLine(e) + ")", e);
        }
    }

    private static Token token(Pkcs11Uri uri, Path module, String what) {
        List<Token> tokens = TokenDirectory.tokens(module);
        List<Token> matching = new ArrayList<>();
        for (Token t : tokens) {
            if (matches(uri, "token", t.label()) && matches(uri, "manufacturer", t.manufacturer())
                    && matches(uri, "model", t.model()) && matches(uri, "serial", t.serial())
                    && matches(uri, "slot-id", Long.toString(t.slotId()))) {
                matching.add(t);
            }
        }
        if (matching.size() == 1) {
            return matching.get(0);
        }
        List<String> present = tokens.stream().filter(t -> !t.label().isEmpty()).map(t -> "\"" + t.label() + "\" (slot " + t.slotId() + ")").toList();
        throw new KeyMaterialException(what + ": " + (matching.isEmpty() ? "no token matches" : "several tokens match"
                + " (add serial= or slot-id=)") + "; tokens present: " + (present.isEmpty() ? "none" : present));
    }

    private static boolean matches(Pkcs11Uri uri, String attribute, String value) {
        String wanted = uri.path().get(attribute);
        return wanted == null || wanted.equals(value);
    }

    /** The KeyStore alias of the certificate object that {@code object}/{@code id} select. */
    private static String alias(Pkcs11Uri uri, Path module, Token token, String what) {
        List<CertificateObject> certs = TokenDirectory.certificateObjects(module, token.slotId());
        String label = uri.path().get("object");
        List<CertificateObject> matching = certs.stream()
                .filter(c -> label == null || label.equals(c.label()))
                .filter(c -> uri.id() == null || Arrays.equals(uri.id(), c.id()))
                .toList();
        String selector = (label != null ? "object=" + label : "")
                + (label != null && uri.id() != null ? ", " : "")
                + (uri.id() != null ? "id=" + HexFormat.of().formatHex(uri.id()) : "");
        if (matching.isEmpty()) {
            throw new KeyMaterialException(what + ": token \"" + token.label() + "\" has no certificate object with "
                    + selector + "; SunPKCS11 uses a private key only through a certificate object with the same"
                    + " CKA_ID (store one, e.g. pkcs11-tool --write-object signer.der --type cert --id ... --label ...)");
        }
        if (matching.size() > 1) {
            throw new KeyMaterialException(what + ": token \"" + token.label() + "\" has " + matching.size()
                    + " certificate objects with " + selector);
        }
        CertificateObject chosen = matching.get(0);
        // SunPKCS11 names an entry by its certificate's label only when that label is unique on the token.
        long sameLabel = certs.stream().filter(c -> chosen.label() != null && chosen.label().equals(c.label())).count();
        if (chosen.label() == null || chosen.label().isEmpty() || sameLabel > 1) {
            throw new KeyMaterialException(what + ": the certificate object with " + selector
                    + " needs a label that is unique on the token");
        }
        return chosen.label();
    }

    private static Provider configure(Path module, long slotId) {
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw new KeyMaterialException("this Java runtime has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
        }
        // "--" marks inline configuration text rather than a file name (Provider.configure, JDK 9+).
        String config = "--name = tandem-slot-" + slotId + "\n"
                + "library = \"" + module.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n"
                + "slot = " + slotId + "\n";
        return base.configure(config);
    }
}
