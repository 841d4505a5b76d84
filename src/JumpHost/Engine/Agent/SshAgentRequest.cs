using System.IO;

namespace JumpHost.Engine.Agent;

/// <summary>Builds one request: a big-endian uint32 length, the message number, then its fields.</summary>
internal sealed class SshAgentRequest
{
    private readonly MemoryStream _buffer = new();

    public SshAgentRequest(byte type)
    {
        WriteUInt32(0); // the length, filled in by ToArray
        _buffer.WriteByte(type);
    }

    public SshAgentRequest WriteUInt32(uint value)
    {
        _buffer.WriteByte((byte)(value >> 24));
        _buffer.WriteByte((byte)(value >> 16));
        _buffer.WriteByte((byte)(value >> 8));
        _buffer.WriteByte((byte)value);
        return this;
    }

    public SshAgentRequest WriteString(byte[] value)
    {
        WriteUInt32((uint)value.Length);
        _buffer.Write(value, 0, value.Length);
        return this;
    }

    public byte[] ToArray()
    {
        var message = _buffer.ToArray();
        var length = message.Length - 4;
        message[0] = (byte)(length >> 24);
        message[1] = (byte)(length >> 16);
        message[2] = (byte)(length >> 8);
        message[3] = (byte)length;
        return message;
    }
}
