using System;
using System.Globalization;

namespace JumpHost.Bench;

/// <summary>Command-line options.</summary>
internal sealed class Options
{
    public const string Usage = """
        JumpHost.Bench: JumpHost (through a hosted PowerShell engine) against OpenSSH on the lab.

        Usage: dotnet run -c Release --project bench/JumpHost.Bench -- [options]

          --mib N             MiB pushed through each forward per run (default 200)
          --transfer-mib N    MiB of the file each transfer run copies (default 512)
          --runs N            timed runs per contender (default 5 for forwards, 3 for transfers, 10 for connects)
          --only WHAT         forward | transfer | connect: run one group only
          --write FILE        also write the report as a markdown page (e.g. docs/benchmarks.md)
          --module DIR        the laid-out module folder (default <repo>/out/JumpHost)
          --allow-debug       run even if the module is a Debug build (figures are then meaningless)
          --no-match-cipher   skip the extra OpenSSH forward and transfer runs forced to JumpHost's cipher
          -h, --help          this text

        The lab must already be running (tests/lab/lab.sh start, as root); the bench never starts or
        stops it. Exit codes: 0 done, 1 error (or refused), 2 lab not running (or gone), 130 interrupted.
        """;

    public int Mib { get; private set; } = 200;

    public int TransferMib { get; private set; } = 512;

    public int? Runs { get; private set; }

    public int ForwardRuns => Runs ?? 5;

    public int TransferRuns => Runs ?? 3;

    public int ConnectRuns => Runs ?? 10;

    /// <summary>null (all), "forward", "transfer" or "connect".</summary>
    public string? Only { get; private set; }

    public string? WritePath { get; private set; }

    public string? ModuleDir { get; private set; }

    public bool AllowDebug { get; private set; }

    public bool MatchCipher { get; private set; } = true;

    public bool Help { get; private set; }

    public bool RunForward => Only is null or "forward";

    public bool RunTransfer => Only is null or "transfer";

    public bool RunConnect => Only is null or "connect";

    /// <summary>The options as they would be typed, for the report.</summary>
    public string CommandLine { get; private set; } = string.Empty;

    public static Options Parse(string[] args)
    {
        var options = new Options { CommandLine = string.Join(" ", args) };
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"{arg} needs a value.");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "--mib":
                    options.Mib = PositiveInt(arg, Value());
                    break;
                case "--transfer-mib":
                    options.TransferMib = PositiveInt(arg, Value());
                    break;
                case "--runs":
                    options.Runs = PositiveInt(arg, Value());
                    break;
                case "--only":
                    var only = Value().ToLowerInvariant();
                    if (only != "forward" && only != "transfer" && only != "connect")
                    {
                        throw new ArgumentException($"--only takes 'forward', 'transfer' or 'connect', not '{only}'.");
                    }

                    options.Only = only;
                    break;
                case "--write":
                    options.WritePath = Value();
                    break;
                case "--module":
                    options.ModuleDir = Value();
                    break;
                case "--allow-debug":
                    options.AllowDebug = true;
                    break;
                case "--no-match-cipher":
                    options.MatchCipher = false;
                    break;
                case "-h":
                case "--help":
                case "-?":
                    options.Help = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{arg}'.");
            }
        }

        return options;
    }

    private static int PositiveInt(string name, string text)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw new ArgumentException($"{name} takes a whole number of at least 1, not '{text}'.");
        }

        return value;
    }
}
