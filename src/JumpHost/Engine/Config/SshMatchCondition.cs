using System;
using System.Collections.Generic;
using System.Linq;

namespace JumpHost.Engine.Config;

/// <summary>One criterion of a Match line: its lower-cased attribute, whether it is negated, and its argument.</summary>
internal sealed class SshMatchCriterion
{
    public SshMatchCriterion(string attribute, bool negated, string? argument)
    {
        Attribute = attribute;
        Negated = negated;
        Argument = argument;
    }

    /// <summary>all, canonical, final, exec, host, originalhost, user or localuser.</summary>
    public string Attribute { get; }

    public bool Negated { get; }

    public string? Argument { get; }
}

/// <summary>
/// A Match line as ssh's match_cfg_line reads it: criteria split with strdelim (double quotes only, '#' ends
/// the line), all of them required. What a host does not affect (syntax) is checked when the file is read.
/// </summary>
internal sealed class SshMatchCondition
{
    private SshMatchCondition(IReadOnlyList<SshMatchCriterion> criteria, SshConfigOrigin origin)
    {
        Criteria = criteria;
        Origin = origin;
    }

    public IReadOnlyList<SshMatchCriterion> Criteria { get; }

    public SshConfigOrigin Origin { get; }

    /// <summary>
    /// Whether the line matches. <paramref name="host"/> gives what Match host compares (HostName so far);
    /// <paramref name="parseOnly"/> is set inside an Include of a block that does not apply, where ssh still
    /// evaluates the line but ignores the result. Refuses exec when it would have to run it, and final.
    /// </summary>
    public bool Matches(Func<string> host, string originalHost, string user, string localUser, bool parseOnly)
    {
        var result = true;
        foreach (var criterion in Criteria)
        {
            bool matched;
            switch (criterion.Attribute)
            {
                case "all":
                    return result && !criterion.Negated;
                case "canonical":
                    // True only while ssh reads the files a second time, which needs CanonicalizeHostname or
                    // Match final: both are refused, so here it is always false.
                    matched = false;
                    break;
                case "final":
                    throw new SshConfigException(Origin,
                        "Match final is not supported: it makes ssh read the configuration a second time. Use Match host or Match originalhost instead.");
                case "exec":
                    if (!result || parseOnly)
                    {
                        // ssh skips the command once an earlier criterion failed.
                        continue;
                    }

                    throw new SshConfigException(Origin,
                        $"Match exec {criterion.Argument} is not supported: JumpHost does not run commands from ssh_config. Use Match host, originalhost, user or localuser instead.");
                case "host":
                    matched = SshPattern.MatchesHostList(host(), criterion.Argument!);
                    break;
                case "originalhost":
                    matched = SshPattern.MatchesHostList(originalHost, criterion.Argument!);
                    break;
                case "user":
                    matched = SshPattern.MatchList(user, criterion.Argument!, lowerPatterns: false) == 1;
                    break;
                default:
                    matched = SshPattern.MatchList(localUser, criterion.Argument!, lowerPatterns: false) == 1;
                    break;
            }

            if (matched == criterion.Negated)
            {
                result = false;
            }
        }

        return result;
    }

    /// <summary>Parses the text after "Match"; throws with ssh's reason when it would say "Bad Match condition".</summary>
    public static SshMatchCondition Parse(string text, SshConfigOrigin origin)
    {
        var criteria = new List<SshMatchCriterion>();
        int? position = 0;
        var attributes = 0;
        while (true)
        {
            var written = SshConfigLexer.NextToken(text, ref position);
            if (string.IsNullOrEmpty(written))
            {
                break;
            }

            if (written![0] == '#')
            {
                position = null;
                break;
            }

            var negated = written[0] == '!';
            var attribute = SshConfigLexer.AsciiLower(negated ? written.Substring(1) : written);
            if (attribute == "all")
            {
                var next = SshConfigLexer.NextToken(text, ref position);
                if (attributes > 1 || (!string.IsNullOrEmpty(next) && next![0] != '#'))
                {
                    throw Bad(origin, $"'{written}' cannot be combined with other Match attributes.");
                }

                if (next != null && next.Length > 0)
                {
                    position = null;
                }

                criteria.Add(new SshMatchCriterion(attribute, negated, null));
                return Finish(text, position, criteria, origin);
            }

            attributes++;
            if (attribute == "canonical" || attribute == "final")
            {
                criteria.Add(new SshMatchCriterion(attribute, negated, null));
                continue;
            }

            var argument = SshConfigLexer.NextToken(text, ref position);
            if (string.IsNullOrEmpty(argument) || argument![0] == '#')
            {
                throw Bad(origin, $"'{written}' needs a pattern (Missing Match criteria for {attribute}).");
            }

            if (attribute != "host" && attribute != "originalhost" && attribute != "user" && attribute != "localuser" && attribute != "exec")
            {
                throw Bad(origin, $"unsupported Match attribute '{attribute}'. OpenSSH 9.2 knows all, canonical, final, exec, host, originalhost, user and localuser.");
            }

            criteria.Add(new SshMatchCriterion(attribute, negated, argument));
        }

        if (attributes == 0)
        {
            throw Bad(origin, "one or more attributes required for Match.");
        }

        return Finish(text, position, criteria, origin);
    }

    private static SshMatchCondition Finish(string text, int? position, List<SshMatchCriterion> criteria, SshConfigOrigin origin)
    {
        if (position != null && position.Value < text.Length)
        {
            throw new SshConfigException(origin, "keyword match extra arguments at end of line.");
        }

        return new SshMatchCondition(criteria, origin);
    }

    private static SshConfigException Bad(SshConfigOrigin origin, string why) =>
        new(origin, $"Bad Match condition: {why}");

    public override string ToString() => string.Join(" ", Criteria.Select(c =>
        (c.Negated ? "!" : string.Empty) + c.Attribute + (c.Argument == null ? string.Empty : " " + c.Argument)));
}
