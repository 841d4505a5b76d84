// The tests drive OpenSSH servers in Linux network namespaces: they run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
