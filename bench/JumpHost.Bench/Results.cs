using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace JumpHost.Bench;

/// <summary>An error the bench reports as it is, without a stack trace.</summary>
internal sealed class BenchException : Exception
{
    public BenchException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>The figures of one contender in one scenario.</summary>
internal sealed class Samples
{
    private readonly List<double> _values = new();

    public Samples(string unit)
    {
        Unit = unit;
    }

    /// <summary>"MiB/s" or "ms".</summary>
    public string Unit { get; }

    public int Count => _values.Count;

    public double Median
    {
        get
        {
            var sorted = _values.OrderBy(v => v).ToList();
            var middle = sorted.Count / 2;
            return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    public double Min => _values.Min();

    public double Max => _values.Max();

    public void Add(double value) => _values.Add(value);

    public string Format() => Count == 0
        ? "—"
        : $"{Number(Median)} {Unit} ({Number(Min)}–{Number(Max)})";

    public static string Number(double value) =>
        value.ToString(value >= 100 ? "0" : value >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
}

/// <summary>What kind of scenario a row measures: decides the notes attached to it.</summary>
internal enum RowKind
{
    Forward,
    ForwardSameCipher,
    Transfer,
    TransferSameCipher,
    Command,
    SessionOnly,
}

/// <summary>One line of the results table.</summary>
internal sealed class ResultRow
{
    public ResultRow(RowKind kind, string what, bool higherIsBetter, Samples jumpHost, Samples? openSsh, string openSshLabel)
    {
        Kind = kind;
        What = what;
        HigherIsBetter = higherIsBetter;
        JumpHost = jumpHost;
        OpenSsh = openSsh;
        OpenSshLabel = openSshLabel;
    }

    public RowKind Kind { get; }

    public string What { get; }

    public bool HigherIsBetter { get; }

    public Samples JumpHost { get; }

    public Samples? OpenSsh { get; }

    /// <summary>Which OpenSSH setup the OpenSSH column holds in this row.</summary>
    public string OpenSshLabel { get; }

    /// <summary>Forward and transfer rows: client CPU seconds per GiB pushed or copied (this process, plus the ssh processes for OpenSSH).</summary>
    public Samples? JumpHostCpu { get; init; }

    public Samples? OpenSshCpu { get; init; }

    /// <summary>JumpHost / OpenSSH of the medians (throughput: higher is better; times: lower is better).</summary>
    public double? Ratio => OpenSsh is { Count: > 0 } o && JumpHost.Count > 0 && o.Median > 0 ? JumpHost.Median / o.Median : null;

    public bool HasBoth => Ratio != null;

    /// <summary>True when JumpHost's median is worse than OpenSSH's.</summary>
    public bool JumpHostSlower => Ratio is { } r && (HigherIsBetter ? r < 1 : r > 1);

    /// <summary>The min–max ranges overlap: the difference is inside this machine's run-to-run noise.</summary>
    public bool RangesOverlap => HasBoth && JumpHost.Min <= OpenSsh!.Max && OpenSsh.Min <= JumpHost.Max;

    public string FormatRatio() => Ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "—";
}
