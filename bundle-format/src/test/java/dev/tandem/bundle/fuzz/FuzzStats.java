package dev.tandem.bundle.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Counts verdicts per mutation family and keeps the first problems, for the report and the final assertion. */
public final class FuzzStats {

    private final String title;
    private final Map<String, long[]> byFamily = new TreeMap<>();
    private final Map<String, Long> refusalKinds = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private long problemCount;
    private final long start = System.nanoTime();

    public FuzzStats(String title) {
        this.title = title;
    }

    /** Records one verdict; returns whether it is a problem (wrongly accepted or a bug). */
    public synchronized boolean record(Mutant m, MutantJudge.Judgement j) {
        long[] c = byFamily.computeIfAbsent(m.family(), k -> new long[4]);
        c[j.verdict().ordinal()]++;
        if (j.verdict() == MutantJudge.Verdict.REFUSED) {
            refusalKinds.merge(j.detail(), 1L, Long::sum);
        }
        boolean problem = j.verdict() == MutantJudge.Verdict.WRONGLY_ACCEPTED || j.verdict() == MutantJudge.Verdict.BUG;
        if (problem) {
            problemCount++;
            if (problems.size() < 30) {
                problems.add(j.verdict() + " " + m + ": " + j.detail());
            }
        }
        return problem;
    }

    public synchronized long tried() {
        return byFamily.values().stream().mapToLong(c -> c[0] + c[1] + c[2] + c[3]).sum();
    }

    public synchronized long count(MutantJudge.Verdict v) {
        return byFamily.values().stream().mapToLong(c -> c[v.ordinal()]).sum();
    }

    public synchronized long problems() {
        return problemCount;
    }

    public synchronized List<String> firstProblems() {
        return List.copyOf(problems);
    }

    /**
     * Fails when any case was a problem. Called at the end of every fuzz run, whatever the mode: with
     * {@code -Dfuzz.keepGoing=true} the cases record problems instead of failing, and this is what makes such a run
     * able to fail.
     */
    public synchronized void assertNoProblems() {
        if (problemCount > 0) {
            throw new AssertionError(title + ": " + problemCount + " of " + tried() + " cases were problems (wrongly"
                    + " accepted or bugs); the first:\n  " + String.join("\n  ", problems));
        }
    }

    /** The table printed after a run. */
    public synchronized String report() {
        StringBuilder sb = new StringBuilder();
        double seconds = (System.nanoTime() - start) / 1e9;
        sb.append(String.format("%s: %d mutants in %.1f s: %d refused, %d accepted (harmless), %d wrongly accepted,"
                + " %d bugs%n", title, tried(), seconds, count(MutantJudge.Verdict.REFUSED),
                count(MutantJudge.Verdict.ACCEPTED), count(MutantJudge.Verdict.WRONGLY_ACCEPTED),
                count(MutantJudge.Verdict.BUG)));
        sb.append(String.format("  %-24s %8s %8s %8s %8s%n", "family", "refused", "accepted", "wrongly", "bugs"));
        byFamily.forEach((f, c) -> sb.append(String.format("  %-24s %8d %8d %8d %8d%n", f, c[0], c[1], c[2], c[3])));
        sb.append("  refusals by kind: ").append(refusalKinds).append('\n');
        problems.forEach(p -> sb.append("  ").append(p).append('\n'));
        return sb.toString();
    }
}
