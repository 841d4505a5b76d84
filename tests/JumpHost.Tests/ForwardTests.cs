using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Start-PortForward -L, -R and -D through the lab's chains, with real clients on both ends.</summary>
[Collection(LabCollection.Name)]
public sealed class ForwardTests
{
    private const string ThroughRelays = "New-JumpSession relay3 -JumpHost relay1,relay2 @Lab";
    private readonly LabFixture _lab;

    public ForwardTests(LabFixture lab)
    {
        _lab = lab;
    }

    [Fact]
    public async Task WebServerBehindThreeRelaysAnswersThroughALocalForward()
    {
        using var ps = _lab.NewRunspace();
        dynamic forward = StartForward(ps, $"$f = {ThroughRelays} | Start-PortForward -LocalPort 0 -RemoteHost www -RemotePort 80; $f");
        Assert.Equal("Local", forward.Kind.ToString());
        Assert.Equal("Running", forward.State.ToString());
        Assert.Equal("www:80", (string)forward.RemoteEndpoint);
        int port = Port(forward);

        using var http = new HttpClient();
        var page = await http.GetStringAsync($"http://127.0.0.1:{port}/");
        Assert.Contains(_lab.WwwToken, page);

        // The web server saw relay3, the last hop, as its client.
        Assert.Contains($"{_lab.Relay3SideIp} - -", _lab.Log("www.http.log").Split('\n').Last(l => l.Length > 0));
        Assert.Equal(1L, (long)forward.TotalConnections);
        Assert.True((long)forward.BytesReceived > page.Length);
        Assert.True((long)forward.BytesSent > 0);
    }

    [Fact]
    public async Task OneShotForwardOpensItsOwnSessionAndStoppingItClosesTheSessionAndThePort()
    {
        using var ps = _lab.NewRunspace();
        dynamic forward = StartForward(ps, "Start-PortForward -HostName relay3 -JumpHost relay1,relay2 @Lab -RemoteHost www -RemotePort 80");
        int port = Port(forward);
        Assert.Equal("relay3", (string)forward.Session.HostName);
        Assert.Empty(ps.Run("Get-JumpSession").Output);

        using var http = new HttpClient();
        Assert.Contains(_lab.WwwToken, await http.GetStringAsync($"http://127.0.0.1:{port}/"));

        ps.SetVariable("forward", (object)forward);
        Assert.Empty(ps.Run("Stop-PortForward $forward; Get-PortForward").Output);
        Assert.Equal("Stopped", forward.State.ToString());
        Assert.Equal("Closed", forward.Session.State.ToString());

        // Free at once: another program can listen on the port right away.
        var again = new TcpListener(IPAddress.Loopback, port);
        again.Start();
        again.Stop();
    }

    [Fact]
    public async Task TwoHundredConcurrentConnectionsCarryTheirOwnBytes()
    {
        using var ps = _lab.NewRunspace();
        dynamic forward = StartForward(ps, $"{ThroughRelays} | Start-PortForward -RemoteHost www -RemotePort $args[0]", LabEchoPort);
        int port = Port(forward);

        var payloads = Enumerable.Range(0, 200).Select(i =>
        {
            var payload = new byte[16 * 1024 + (i * 997 % (64 * 1024))];
            new Random(i).NextBytes(payload);
            return payload;
        }).ToArray();

        // Bursts one after another: a burst that used up the thread pool once held the chain still for 30 s.
        const int bursts = 3;
        for (var burst = 0; burst < bursts; burst++)
        {
            var echoes = await Task.WhenAll(payloads.Select(p => TcpProbe.EchoAsync(port, p)));

            Assert.True((long)forward.FailedConnections == 0, $"{(long)forward.FailedConnections} connection(s) of burst {burst} failed; the last: {(string)forward.LastError}");
            for (var i = 0; i < payloads.Length; i++)
            {
                Assert.Equal(SHA256.HashData(payloads[i]), SHA256.HashData(echoes[i]));
            }
        }

        var total = bursts * payloads.Sum(p => (long)p.Length);
        Eventually.Assert(() => (int)forward.ActiveConnections == 0, "connections still open");
        Assert.Equal(bursts * 200L, (long)forward.TotalConnections);
        Assert.Equal(total, (long)forward.BytesSent);
        Assert.Equal(total, (long)forward.BytesReceived);
    }

    [Fact]
    public async Task OneGibibyteCrossesThreeHopsIntact()
    {
        using var ps = _lab.NewRunspace();
        dynamic forward = StartForward(ps, "New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab | Start-PortForward -RemoteHost www -RemotePort $args[0]", LabEchoPort);

        const long size = 1L << 30;
        int port = Port(forward);
        var (sent, received, count) = await TcpProbe.EchoStreamAsync(port, size);
        Assert.Equal(size, count);
        Assert.Equal(sent, received);
        Assert.Equal(size, (long)forward.BytesSent);
        Assert.Equal(size, (long)forward.BytesReceived);
    }

    [Fact]
    public async Task AClientThatStopsReadingHoldsUpOnlyItsOwnConnection()
    {
        using var ps = _lab.NewRunspace();
        dynamic forward = StartForward(ps, $"$s = {ThroughRelays} -ConnectTimeout 5; $s | Start-PortForward -RemoteHost www -RemotePort $args[0]", LabEchoPort);
        int port = Port(forward);

        // A paused download: the client pushes into the echo service and reads none of the echo, until the whole
        // path (the kernel's socket buffers, which autotune up to tens of MiB here, and the channel windows) is full
        // and a write is no longer taken.
        using var paused = new TcpClient { ReceiveBufferSize = 64 * 1024 };
        await paused.ConnectAsync(IPAddress.Loopback, port);
        var stream = paused.GetStream();
        using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(7);
        var chunk = new byte[256 * 1024];
        long size = 0;
        Task write;
        while (true)
        {
            random.NextBytes(chunk);
            sentHash.AppendData(chunk);
            size += chunk.Length;
            write = stream.WriteAsync(chunk).AsTask();
            if (write != await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(2))))
            {
                break;
            }

            Assert.True(size < 1L << 30, "1 GiB went through without the echo being read: nothing held it back");
        }

        var pausedFor = Stopwatch.StartNew();

        // Other connections and the session's own commands go on meanwhile.
        var small = new byte[1000];
        new Random(8).NextBytes(small);
        var echo = TcpProbe.EchoAsync(port, small);
        Assert.True(echo == await Task.WhenAny(echo, Task.Delay(TimeSpan.FromSeconds(20))), "a second connection's echo did not come back: the paused one holds up the session");
        Assert.Equal(small, await echo);
        var command = ps.Run("Invoke-JumpCommand -Session $s -Command 'echo still-here' -Timeout 20");
        Assert.Empty(command.AllErrors);
        Assert.Equal("still-here", ((string)command.Objects("JumpCommandResult").Single().Output).Trim());

        // A pause longer than the connect timeout is still only a pause (SSH.NET's own wait for the server's
        // window gives up after that timeout and breaks the connection).
        var longerThanTheTimeout = TimeSpan.FromSeconds(8) - pausedFor.Elapsed;
        if (longerThanTheTimeout > TimeSpan.Zero)
        {
            await Task.Delay(longerThanTheTimeout);
        }

        // Once the client reads again, every byte of its echo arrives, in order.
        var finish = Task.Run(async () =>
        {
            await write;
            paused.Client.Shutdown(SocketShutdown.Send);
        });
        var (receivedHash, received) = await TcpProbe.HashToEndAsync(stream);
        await finish;
        Assert.Equal(size, received);
        Assert.Equal(sentHash.GetHashAndReset(), receivedHash);
        Eventually.Assert(() => (int)forward.ActiveConnections == 0, "connections still open");
        Assert.Equal(size + small.Length, (long)forward.BytesReceived);
    }

    [Fact]
    public void RemoteForwardCarriesTheTargetsConnectionsBackToAServiceHere()
    {
        using var echo = TcpProbe.StartEchoServer(out var servicePort);
        using var ps = _lab.NewRunspace();
        var forward = StartRemoteForwardFromTarget1(ps, servicePort);
        Assert.Equal("Remote", forward.Kind.ToString());
        var remote = ((string)forward.RemoteEndpoint).Split(':');
        Assert.Equal("127.0.0.1", remote[0]);
        Assert.Equal($"localhost:{servicePort}", (string)forward.LocalEndpoint);

        // On target1, a client connects to the forwarded port on its own loopback and gets the echo from here.
        var command = ps.Run("Invoke-JumpCommand -Session $s -Command $args[0] -Timeout 30",
            $"exec 3<>/dev/tcp/127.0.0.1/{remote[1]} && printf 'ping-from-target1' >&3 && head -c 17 <&3");
        Assert.Empty(command.AllErrors);
        Assert.Equal("ping-from-target1", (string)command.Objects("JumpCommandResult").Single().Output);
        Eventually.Assert(() => (long)forward.BytesSent == 17 && (long)forward.BytesReceived == 17, "counters did not add up");
        Assert.Equal(1L, (long)forward.TotalConnections);
    }

    [Fact]
    public void RemoteForwardTheServerRefusesIsAnError()
    {
        using var ps = _lab.NewRunspace();

        // Port 80 on the target is privileged: sshd refuses to listen there for an ordinary user.
        var error = ps.Run("New-JumpSession target1 -JumpHost bastion @Lab | Start-PortForward -Remote -RemotePort 80 -LocalPort 8000").SingleError;
        Assert.StartsWith("RemoteForwardRefused,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Empty(ps.Run("Get-PortForward").Output);
    }

    [Fact]
    public async Task RemoteForwardPassesHalfClosesBothWays()
    {
        // A service here that answers only once the client has finished sending: it reads to the end, then replies
        // with what it got, then closes.
        using var service = new TcpListener(IPAddress.Loopback, 0);
        service.Start();
        var answered = Task.Run(async () =>
        {
            using var connection = await service.AcceptTcpClientAsync();
            var stream = connection.GetStream();
            var (hash, count) = await TcpProbe.HashToEndAsync(stream);
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{count} {Convert.ToHexString(hash).ToLowerInvariant()}"));
        });

        using var ps = _lab.NewRunspace();
        var forward = StartRemoteForwardFromTarget1(ps, ((IPEndPoint)service.LocalEndpoint).Port);

        // On target1 a client sends 3 MiB, half-closes, and prints what it sent and the service's reply.
        var size = 3 * 1024 * 1024;
        var command = ps.Run("Invoke-JumpCommand -Session $s -Command $args[0] -Timeout 60", $"/usr/bin/python3 - {RemotePort(forward)} {size} <<'PY'\n{PushScript}PY");
        Assert.Empty(command.AllErrors);
        await answered.WaitAsync(TimeSpan.FromSeconds(10));
        var words = ((string)command.Objects("JumpCommandResult").Single().Output).Split(' ', StringSplitOptions.TrimEntries);
        Assert.Equal(4, words.Length);
        Assert.Equal(size.ToString(), words[0]);
        Assert.Equal(words[0] + " " + words[1], words[2] + " " + words[3]);
        Eventually.Assert(() => (int)forward.ActiveConnections == 0, "the connection did not end");
        Assert.Equal((long)size, (long)forward.BytesReceived);
        Assert.Equal((long)words[2].Length + 1 + words[3].Length, (long)forward.BytesSent);
    }

    [Fact]
    public async Task AServiceThatStopsReadingHoldsUpOnlyItsOwnRemoteConnection()
    {
        // A paused service: it accepts, with a small receive buffer, and reads nothing for now.
        using var service = new TcpListener(IPAddress.Loopback, 0);
        service.Server.ReceiveBufferSize = 64 * 1024;
        service.Start();
        var accepted = service.AcceptTcpClientAsync();

        using var ps = _lab.NewRunspace();
        var forward = StartRemoteForwardFromTarget1(ps, ((IPEndPoint)service.LocalEndpoint).Port);

        // On target1, in the background, a client pushes far more than the buffers on the way hold.
        var size = 128L * 1024 * 1024;
        var output = $"jumphost-push-{Guid.NewGuid():N}";
        var start = ps.Run("Invoke-JumpCommand -Session $s -Command $args[0] -Timeout 30",
            $"cat > {output}.py <<'PY'\n{PushScript}PY\nnohup /usr/bin/python3 {output}.py {RemotePort(forward)} {size} > {output}.out 2>&1 < /dev/null &");
        Assert.Empty(start.AllErrors);
        using var connection = await accepted.WaitAsync(TimeSpan.FromSeconds(30));

        // Wait until the push has stalled: nothing more is delivered to the paused service.
        long delivered = -1;
        Eventually.Assert(() =>
        {
            var before = (long)forward.BytesReceived;
            Thread.Sleep(2000);
            delivered = (long)forward.BytesReceived;
            return delivered > 0 && delivered == before;
        }, "the push did not stall");
        Assert.True(delivered < size, "everything was delivered to a service that read nothing");

        // The session goes on meanwhile (before flow control, the session's one receive thread was stuck writing
        // to the paused connection, and nothing else on the session moved).
        var command = ps.Run("Invoke-JumpCommand -Session $s -Command 'echo still-here' -Timeout 20");
        Assert.Empty(command.AllErrors);
        Assert.Equal("still-here", ((string)command.Objects("JumpCommandResult").Single().Output).Trim());

        // Once the service reads, every byte arrives, in order.
        var stream = connection.GetStream();
        var (hash, count) = await TcpProbe.HashToEndAsync(stream);
        await stream.WriteAsync("ok"u8.ToArray());
        connection.Client.Shutdown(SocketShutdown.Send);
        var pushed = ps.Run("Invoke-JumpCommand -Session $s -Command $args[0] -Timeout 30",
            $"for i in $(seq 100); do [ -s {output}.out ] && break; sleep 0.2; done; cat {output}.out; rm -f {output}.py {output}.out");
        Assert.Empty(pushed.AllErrors);
        var words = ((string)pushed.Objects("JumpCommandResult").Single().Output).Split(' ', StringSplitOptions.TrimEntries);
        Assert.Equal(new[] { size.ToString(), Convert.ToHexString(hash).ToLowerInvariant(), "ok" }, words);
        Assert.Equal(size, count);
        Eventually.Assert(() => (int)forward.ActiveConnections == 0, "the connection did not end");
        Assert.Equal(size, (long)forward.BytesReceived);
    }

    [Fact]
    public void StoppingARemoteForwardFreesTheServersPortForAnotherSession()
    {
        using var echo = TcpProbe.StartEchoServer(out var servicePort);
        using var ps = _lab.NewRunspace();
        var first = StartRemoteForwardFromTarget1(ps, servicePort);
        int firstId = first.Id;
        int port = RemotePort(first);

        // Another session (another sshd on target1) asks for the same port as soon as Stop-PortForward returns: the
        // first session's sshd must have let go of it by then.
        var result = ps.Run(
            "$other = New-JumpSession target1 -JumpHost bastion @Lab; Stop-PortForward -Id $args[0]; " +
            "$other | Start-PortForward -Remote -RemotePort $args[1] -LocalPort $args[2]", firstId, port, servicePort);
        Assert.Empty(result.AllErrors);
        dynamic second = result.Objects("PortForward").Single();
        Assert.Equal(port, RemotePort(second));

        var command = ps.Run("Invoke-JumpCommand -Session $other -Command $args[0] -Timeout 30",
            $"exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'second' >&3 && head -c 6 <&3");
        Assert.Empty(command.AllErrors);
        Assert.Equal("second", (string)command.Objects("JumpCommandResult").Single().Output);
        Assert.Equal(1L, (long)second.TotalConnections);
        Assert.Equal(0L, (long)first.TotalConnections);
    }

    [Fact]
    public void RemoteForwardToAServiceThatIsNotThereFailsThatConnectionOnly()
    {
        using var ps = _lab.NewRunspace();
        var closedPort = ClosedPort();
        var forward = StartRemoteForwardFromTarget1(ps, closedPort);

        // target1's client is accepted by sshd, then cut when the channel is refused: it reads end of file.
        var command = ps.Run("Invoke-JumpCommand -Session $s -Command $args[0] -Timeout 30", $"exec 3<>/dev/tcp/127.0.0.1/{RemotePort(forward)} && cat <&3; echo closed");
        Assert.Empty(command.AllErrors);
        Assert.Equal("closed", ((string)command.Objects("JumpCommandResult").Single().Output).Trim());
        Eventually.Assert(() => (long)forward.FailedConnections == 1, "the failed connection was not counted");
        Assert.Contains($"localhost:{closedPort}", (string)forward.LastError);
        Assert.Equal("Running", forward.State.ToString());
        Assert.Equal("still-here", ((string)ps.Run("Invoke-JumpCommand -Session $s -Command 'echo still-here'").Objects("JumpCommandResult").Single().Output).Trim());
    }

    [Theory]
    [InlineData("--socks5-hostname")]
    [InlineData("--socks4a")]
    public void SocksClientsReachANameOnlyTheFarSideKnows(string socks)
    {
        using var ps = _lab.NewRunspace();
        dynamic forward = StartForward(ps, $"{ThroughRelays} | Start-PortForward -Dynamic");
        Assert.Equal("Dynamic", forward.Kind.ToString());

        // "intranet" resolves only inside relay3's namespace: this machine cannot resolve it.
        Assert.NotEqual(0, ProcessRunner.Run("getent", TimeSpan.FromSeconds(10), "hosts", "intranet").ExitCode);
        var curl = ProcessRunner.Run("curl", TimeSpan.FromSeconds(60), "-sS", "--max-time", "20", socks, $"127.0.0.1:{Port(forward)}", "http://intranet/");
        Assert.True(curl.ExitCode == 0, curl.Error);
        Assert.Contains(_lab.WwwToken, curl.Output);
        Assert.Equal(1L, (long)forward.TotalConnections);
    }

    [Fact]
    public void SocksRequestForAnUnreachableDestinationFailsThatConnectionOnly()
    {
        using var ps = _lab.NewRunspace();
        dynamic forward = ps.Run($"{ThroughRelays} | Start-PortForward -Dynamic").Objects("PortForward").Single();
        var curl = ProcessRunner.Run("curl", TimeSpan.FromSeconds(60), "-sS", "--max-time", "20", "--socks5-hostname", $"127.0.0.1:{Port(forward)}", "http://www:81/");
        Assert.NotEqual(0, curl.ExitCode);
        Assert.Equal(1L, (long)forward.FailedConnections);
        Assert.Contains("www:81", (string)forward.LastError);
        Assert.Equal("Running", forward.State.ToString());
    }

    [Fact]
    public async Task UnreachableDestinationClosesTheClientAndIsCounted()
    {
        using var ps = _lab.NewRunspace();
        dynamic forward = ps.Run($"{ThroughRelays} | Start-PortForward -RemoteHost www -RemotePort 81").Objects("PortForward").Single();

        int port = Port(forward);
        try
        {
            Assert.Empty(await TcpProbe.EchoAsync(port, new byte[] { 1, 2, 3 }));
        }
        catch (IOException)
        {
            // Closed with the client's bytes unread, the connection ends with a reset: closed all the same.
        }

        Eventually.Assert(() => (long)forward.FailedConnections == 1, "the failed connection was not counted");
        Assert.Equal("relay3 could not open a connection to www:81: Connection refused.", (string)forward.LastError);
    }

    [Fact]
    public void LocalPortInUseFailsAtOnce()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var ps = _lab.NewRunspace();
        var result = ps.Run("$s = New-JumpSession bastion @Lab; try { Start-PortForward -Session $s -LocalPort $args[0] -RemotePort 22; 'not reached' } catch { $_ }", port);
        Assert.Empty(result.AllErrors);
        var error = Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
        Assert.StartsWith("LocalPortInUse,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Contains(port.ToString(), error.Exception.Message);
    }

    [Fact]
    public void NonLoopbackBindNeedsAllowRemoteConnections()
    {
        using var ps = _lab.NewRunspace();
        var refused = ps.Run("$s = New-JumpSession bastion @Lab; Start-PortForward -Session $s -BindAddress 0.0.0.0 -RemotePort 22");
        var error = refused.SingleError;
        Assert.StartsWith("NonLoopbackBindRefused,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("-AllowRemoteConnections", error.Exception.Message);

        var allowed = ps.Run("Start-PortForward -Session $s -BindAddress '*' -RemotePort 22 -AllowRemoteConnections");
        Assert.Empty(allowed.AllErrors);
        Assert.Single(allowed.Warnings);
        Assert.StartsWith("0.0.0.0:", (string)allowed.Objects("PortForward").Single().LocalEndpoint);
    }

    [Fact]
    public void RemovingTheSessionStopsItsForwardsAndFreesTheirPorts()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("$s = New-JumpSession bastion @Lab; $f = $s | Start-PortForward -RemotePort 22; $g = $s | Start-PortForward -Dynamic; $f; $g; Remove-JumpSession $s; Get-PortForward");
        Assert.Empty(result.AllErrors);
        var forwards = result.Objects("PortForward");
        Assert.Equal(2, forwards.Count);
        foreach (var forward in forwards)
        {
            Assert.Equal("Stopped", forward.State.ToString());
            Assert.False(TcpProbe.IsListening(Port(forward)));
        }
    }

    [Fact]
    public void ClosingTheRunspaceStopsItsForwards()
    {
        dynamic forward;
        using (var ps = _lab.NewRunspace())
        {
            forward = ps.Run("New-JumpSession bastion @Lab | Start-PortForward -RemotePort 22").Objects("PortForward").Single();
            Assert.True(TcpProbe.IsListening(Port(forward)));
        }

        Assert.Equal("Stopped", forward.State.ToString());
        Assert.False(TcpProbe.IsListening(Port(forward)));
    }

    [Fact]
    public void GetPortForwardFiltersByIdAndSession()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run(
            "$a = New-JumpSession bastion @Lab; $b = New-JumpSession relay1 @Lab; " +
            "$f1 = $a | Start-PortForward -RemotePort 22; $f2 = $b | Start-PortForward -RemotePort 22; $f3 = $b | Start-PortForward -Dynamic; " +
            "(Get-PortForward).Count; ($b | Get-PortForward).Count; (Get-PortForward -Id $f2.Id).Kind; Get-PortForward -Id 999");
        Assert.Equal(new[] { "3", "2", "Local" }, result.Output.Select(o => o.ToString()));
        Assert.StartsWith("ForwardNotFound,", result.SingleError.FullyQualifiedErrorId);
    }

    [Fact]
    public void HundredStartStopCyclesLeakNoSocketsOrThreads()
    {
        using var ps = _lab.NewRunspace();
        Assert.Empty(ps.Run("$s = New-JumpSession bastion @Lab; $s | Start-PortForward -RemotePort 22 | Stop-PortForward").AllErrors);
        var socketsBefore = Eventually.OpenSockets();
        var threadsBefore = Eventually.DedicatedThreads();

        var result = ps.Run(
            "foreach ($i in 1..100) { $f = $s | Start-PortForward -RemotePort 22; " +
            "  $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', [int]($f.LocalEndpoint -split ':')[-1]); $c.Dispose(); Stop-PortForward $f }");
        Assert.Empty(result.AllErrors);

        Eventually.Assert(() => Eventually.OpenSockets() <= socketsBefore + 2, $"sockets grew from {socketsBefore} to {Eventually.OpenSockets()}");
        Eventually.Assert(() => Eventually.DedicatedThreads() <= threadsBefore + 2, $"threads other than the pool's grew from {threadsBefore} to {Eventually.DedicatedThreads()}");
    }

    /// <summary>
    /// Run with python3 on a lab target as "script port size": connects to the port on the target's loopback, sends
    /// size random bytes, half-closes, reads the reply to its end, and prints "size sha256-hex reply".
    /// </summary>
    private const string PushScript = """
        import hashlib, os, socket, sys
        port, size = int(sys.argv[1]), int(sys.argv[2])
        connection = socket.create_connection(("127.0.0.1", port))
        digest = hashlib.sha256()
        sent = 0
        while sent < size:
            chunk = os.urandom(min(1 << 20, size - sent))
            digest.update(chunk)
            connection.sendall(chunk)
            sent += len(chunk)
        connection.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            data = connection.recv(65536)
            if not data:
                break
            reply += data
        print(sent, digest.hexdigest(), reply.decode())

        """;

    private static int LabEchoPort => 7;

    private static int Port(dynamic forward) => int.Parse(((string)forward.LocalEndpoint).Split(':').Last());

    /// <summary>$s: a session to target1 through bastion, whose remote forward (returned) carries target1's port back to <paramref name="localPort"/> here.</summary>
    private static dynamic StartRemoteForwardFromTarget1(PowerShellRunspace ps, int localPort) =>
        StartForward(ps, "$s = New-JumpSession target1 -JumpHost bastion @Lab; $s | Start-PortForward -Remote -RemotePort 0 -LocalPort $args[0]", localPort);

    /// <summary>Runs a script that starts one forward, which must succeed, and returns the PortForward it output.</summary>
    private static dynamic StartForward(PowerShellRunspace ps, string script, params object?[] arguments)
    {
        var result = ps.Run(script, arguments);
        Assert.Empty(result.AllErrors);
        return result.Objects("PortForward").Single();
    }

    private static int RemotePort(dynamic forward) => int.Parse(((string)forward.RemoteEndpoint).Split(':').Last());

    /// <summary>A loopback port nothing listens on (one that was just free).</summary>
    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
