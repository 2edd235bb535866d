package dev.tandem.bundle;

import java.util.ArrayList;
import java.util.List;

/** A minimal DER walker for tests that need to know where a field of a CMS signature sits. */
final class Der {

    /** One TLV: where its tag is, its header and content lengths, and its children when constructed. */
    record Node(int tagOffset, int tag, int headerLength, int length, List<Node> children) {

        int contentOffset() {
            return tagOffset + headerLength;
        }

        Node child(int i) {
            return children.get(i);
        }

        Node last() {
            return children.get(children.size() - 1);
        }

        /** Every node of this subtree, this one first. */
        List<Node> all() {
            List<Node> out = new ArrayList<>();
            out.add(this);
            children.forEach(c -> out.addAll(c.all()));
            return out;
        }
    }

    private Der() {
    }

    static Node parse(byte[] der) {
        return parse(der, 0);
    }

    private static Node parse(byte[] b, int at) {
        int tag = b[at] & 0xff;
        int first = b[at + 1] & 0xff;
        int length;
        int header;
        if (first < 0x80) {
            length = first;
            header = 2;
        } else {
            int n = first & 0x7f;
            length = 0;
            for (int k = 0; k < n; k++) {
                length = (length << 8) | (b[at + 2 + k] & 0xff);
            }
            header = 2 + n;
        }
        List<Node> children = new ArrayList<>();
        if ((tag & 0x20) != 0) {
            int p = at + header;
            while (p < at + header + length) {
                Node c = parse(b, p);
                children.add(c);
                p = c.contentOffset() + c.length();
            }
        }
        return new Node(at, tag, header, length, List.copyOf(children));
    }
}
