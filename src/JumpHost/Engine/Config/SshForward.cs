using System;
using System.Collections.Generic;

namespace JumpHost.Engine.Config;

internal enum SshForwardKind
{
    Local,
    Remote,
}

/// <summary>
/// One LocalForward, RemoteForward or DynamicForward as ssh parses it (parse_forward): each side is a port with
/// an optional bind or target host, or a Unix socket path. A forward whose target is the host "socks" (or none,
/// for DynamicForward and one-argument RemoteForward) is a SOCKS proxy, which is how ssh itself tells them apart.
/// </summary>
internal sealed class SshForward
{
    public const string SocksHost = "socks";

    /// <summary>NI_MAXHOST and sizeof(sun_path): longer names are rejected when parsed.</summary>
    private const int MaxHostName = 1025;
    private const int MaxSocketPath = 108;

    public SshForward(SshForwardKind kind, string? listenHost, int listenPort, string? listenPath, string? connectHost, int connectPort, string? connectPath)
    {
        Kind = kind;
        ListenHost = listenHost;
        ListenPort = listenPort;
        ListenPath = listenPath;
        ConnectHost = connectHost;
        ConnectPort = connectPort;
        ConnectPath = connectPath;
    }

    public SshForwardKind Kind { get; }

    /// <summary>The address to bind, or null for ssh's default (loopback unless GatewayPorts).</summary>
    public string? ListenHost { get; }

    /// <summary>The port to listen on; 0 for a RemoteForward means "let the server choose"; unused with <see cref="ListenPath"/>.</summary>
    public int ListenPort { get; }

    public string? ListenPath { get; }

    public string? ConnectHost { get; }

    public int ConnectPort { get; }

    public string? ConnectPath { get; }

    public bool IsDynamic => ConnectPath == null && ConnectHost == SocksHost;

    /// <summary>parse_forward; null when ssh would say "Bad forwarding specification".</summary>
    public static SshForward? Parse(SshForwardKind kind, string spec, bool dynamic, Func<string, string?> environment)
    {
        var expanded = ExpandEnvironment(spec, environment);
        if (expanded == null)
        {
            return null;
        }

        var p = 0;
        while (p < expanded.Length && char.IsWhiteSpace(expanded[p]))
        {
            p++;
        }

        var fields = new List<Field>();
        while (fields.Count < 4 && p < expanded.Length)
        {
            var field = NextField(expanded, ref p);
            if (field == null)
            {
                return null;
            }

            fields.Add(field);
        }

        if (p < expanded.Length && fields.Count == 4)
        {
            return null;
        }

        string? listenHost = null, listenPath = null, connectHost = null, connectPath = null;
        int listenPort = 0, connectPort = 0;
        switch (fields.Count)
        {
            case 1:
                if (fields[0].IsPath)
                {
                    listenPath = fields[0].Text;
                }
                else
                {
                    listenPort = SshNumbers.ParsePort(fields[0].Text);
                }

                connectHost = SocksHost;
                break;
            case 2:
                if (fields[0].IsPath && fields[1].IsPath)
                {
                    listenPath = fields[0].Text;
                    connectPath = fields[1].Text;
                }
                else if (fields[1].IsPath)
                {
                    listenPort = SshNumbers.ParsePort(fields[0].Text);
                    connectPath = fields[1].Text;
                }
                else
                {
                    listenHost = fields[0].Text;
                    listenPort = SshNumbers.ParsePort(fields[1].Text);
                    connectHost = SocksHost;
                }

                break;
            case 3:
                if (fields[0].IsPath)
                {
                    listenPath = fields[0].Text;
                    connectHost = fields[1].Text;
                    connectPort = SshNumbers.ParsePort(fields[2].Text);
                }
                else if (fields[2].IsPath)
                {
                    listenHost = fields[0].Text;
                    listenPort = SshNumbers.ParsePort(fields[1].Text);
                    connectPath = fields[2].Text;
                }
                else
                {
                    listenPort = SshNumbers.ParsePort(fields[0].Text);
                    connectHost = fields[1].Text;
                    connectPort = SshNumbers.ParsePort(fields[2].Text);
                }

                break;
            case 4:
                listenHost = fields[0].Text;
                listenPort = SshNumbers.ParsePort(fields[1].Text);
                connectHost = fields[2].Text;
                connectPort = SshNumbers.ParsePort(fields[3].Text);
                break;
            default:
                return null;
        }

        if (dynamic)
        {
            if (fields.Count > 2)
            {
                return null;
            }
        }
        else
        {
            if (fields.Count < 3 && connectPath == null && listenPath == null)
            {
                return null;
            }

            if (connectPort <= 0 && connectPath == null)
            {
                return null;
            }
        }

        if ((listenPort < 0 && listenPath == null) || (kind == SshForwardKind.Local && listenPath == null && listenPort == 0)
            || TooLong(listenHost, MaxHostName) || TooLong(connectHost, MaxHostName)
            || TooLong(listenPath, MaxSocketPath) || TooLong(connectPath, MaxSocketPath))
        {
            return null;
        }

        return new SshForward(kind, listenHost, listenPort, listenPath, connectHost, connectPort, connectPath);
    }

    /// <summary>The same forward with its socket paths %-expanded, which ssh does once the connection's tokens are known.</summary>
    public SshForward WithPaths(Func<string, string> expand) =>
        ListenPath == null && ConnectPath == null
            ? this
            : new SshForward(Kind, ListenHost, ListenPort, ListenPath == null ? null : expand(ListenPath),
                ConnectHost, ConnectPort, ConnectPath == null ? null : expand(ConnectPath));

    /// <summary>ssh's forward_equals: duplicates are dropped when added.</summary>
    public bool SameAs(SshForward other) =>
        ListenHost == other.ListenHost && ListenPort == other.ListenPort && ListenPath == other.ListenPath
        && ConnectHost == other.ConnectHost && ConnectPort == other.ConnectPort && ConnectPath == other.ConnectPath;

    private static bool TooLong(string? text, int limit) => text != null && text.Length >= limit;

    /// <summary>dollar_expand: ${NAME} only; null when a variable is unset or unterminated.</summary>
    private static string? ExpandEnvironment(string text, Func<string, string?> environment)
    {
        try
        {
            return SshTokens.Expand(text, null, environment, SshConfigOrigin.Default, "forward");
        }
        catch (SshConfigException)
        {
            return null;
        }
    }

    /// <summary>parse_fwd_field: a [bracketed] field is literal; elsewhere '\' escapes and ':' ends the field.</summary>
    private static Field? NextField(string text, ref int p)
    {
        var isPath = false;
        if (text[p] == '[')
        {
            var close = p + 1;
            while (close < text.Length && text[close] != ']')
            {
                isPath |= text[close] == '/';
                close++;
            }

            if (close == text.Length || (close + 1 < text.Length && text[close + 1] != ':'))
            {
                return null;
            }

            var bracketed = text.Substring(p + 1, close - p - 1);
            p = Math.Min(close + 2, text.Length);
            return new Field(bracketed, isPath);
        }

        var field = new System.Text.StringBuilder();
        for (; p < text.Length; p++)
        {
            var c = text[p];
            if (c == '\\')
            {
                if (++p == text.Length)
                {
                    return null;
                }

                field.Append(text[p]);
                continue;
            }

            if (c == ':')
            {
                p++;
                return new Field(field.ToString(), isPath);
            }

            isPath |= c == '/';
            field.Append(c);
        }

        return new Field(field.ToString(), isPath);
    }

    private sealed class Field
    {
        public Field(string text, bool isPath)
        {
            Text = text;
            IsPath = isPath;
        }

        public string Text { get; }

        public bool IsPath { get; }
    }

    /// <summary>The forward as an ssh_config line, e.g. <c>LocalForward 127.0.0.1:5432 db:5432</c>, <c>DynamicForward 1080</c>.</summary>
    public override string ToString()
    {
        static string Side(string? host, int port, string? path) =>
            path ?? (host == null ? port.ToString(System.Globalization.CultureInfo.InvariantCulture) : host.Contains(":") ? $"[{host}]:{port}" : $"{host}:{port}");

        var listen = Side(ListenHost, ListenPort, ListenPath);
        return IsDynamic
            ? $"{(Kind == SshForwardKind.Remote ? "RemoteForward" : "DynamicForward")} {listen}"
            : $"{(Kind == SshForwardKind.Remote ? "RemoteForward" : "LocalForward")} {listen} {Side(ConnectHost, ConnectPort, ConnectPath)}";
    }
}
