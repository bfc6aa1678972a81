import { primaryLanguage } from '@parley/protocol';
import type { BotMessage } from './bot-messages.js';

interface Apology {
  /** After a failed turn, with the handoff quick reply. */
  readonly sorry: string;
  /** The quick reply that asks for a person. */
  readonly human: string;
  /** After failing again: the conversation goes to a person. */
  readonly handingOver: string;
  /** The widget's cap on bot turns is reached (botTurnLimit): the bot stays quiet, a person can still help. */
  readonly capped: string;
}

/** What a failing bot says, in the widget's built-in languages; anything else gets English. */
const APOLOGIES: Readonly<Record<string, Apology>> = {
  en: {
    sorry: 'Sorry, I could not answer just now. You can try again, or talk to a person.',
    human: 'Talk to a human',
    handingOver: 'Sorry, I still cannot answer. I have asked a person to take over.',
    capped: 'I cannot answer more questions here right now. A person can help you: choose “Talk to a human”.',
  },
  de: {
    sorry: 'Entschuldigung, ich konnte gerade nicht antworten. Versuchen Sie es noch einmal oder sprechen Sie mit einem Menschen.',
    human: 'Mit einem Menschen sprechen',
    handingOver: 'Entschuldigung, ich kann weiterhin nicht antworten. Ich habe eine Person gebeten, zu übernehmen.',
    capped:
      'Ich kann hier gerade keine weiteren Fragen beantworten. Ein Mensch kann Ihnen helfen: Wählen Sie „Mit einem Menschen sprechen“.',
  },
  fr: {
    sorry: 'Désolé, je n’ai pas pu répondre pour le moment. Vous pouvez réessayer ou parler à une personne.',
    human: 'Parler à une personne',
    handingOver: 'Désolé, je ne peux toujours pas répondre. J’ai demandé à une personne de prendre le relais.',
    capped:
      'Je ne peux plus répondre à d’autres questions ici pour le moment. Une personne peut vous aider : choisissez « Parler à une personne ».',
  },
  es: {
    sorry: 'Lo siento, no he podido responder ahora. Puede intentarlo de nuevo o hablar con una persona.',
    human: 'Hablar con una persona',
    handingOver: 'Lo siento, sigo sin poder responder. He pedido a una persona que continúe.',
    capped: 'Ahora no puedo responder más preguntas aquí. Una persona puede ayudarle: elija «Hablar con una persona».',
  },
  it: {
    sorry: 'Mi dispiace, non sono riuscito a rispondere. Può riprovare o parlare con una persona.',
    human: 'Parla con una persona',
    handingOver: 'Mi dispiace, non riesco ancora a rispondere. Ho chiesto a una persona di subentrare.',
    capped: 'Al momento non posso rispondere ad altre domande qui. Una persona può aiutarla: scelga «Parla con una persona».',
  },
  pt: {
    sorry: 'Desculpe, não consegui responder agora. Pode tentar novamente ou falar com uma pessoa.',
    human: 'Falar com uma pessoa',
    handingOver: 'Desculpe, ainda não consigo responder. Pedi a uma pessoa para assumir.',
    capped: 'Não posso responder a mais perguntas aqui agora. Uma pessoa pode ajudar: escolha «Falar com uma pessoa».',
  },
  nl: {
    sorry: 'Sorry, ik kon nu niet antwoorden. Probeer het opnieuw of praat met een medewerker.',
    human: 'Praat met een medewerker',
    handingOver: 'Sorry, ik kan nog steeds niet antwoorden. Ik heb een medewerker gevraagd het over te nemen.',
    capped: 'Ik kan hier nu geen vragen meer beantwoorden. Een medewerker kan u helpen: kies ‘Praat met een medewerker’.',
  },
  ru: {
    sorry: 'Извините, я не смог ответить. Попробуйте ещё раз или поговорите с человеком.',
    human: 'Поговорить с человеком',
    handingOver: 'Извините, я по-прежнему не могу ответить. Я попросил сотрудника подключиться.',
    capped: 'Сейчас я не могу отвечать на новые вопросы. Вам поможет сотрудник: выберите «Поговорить с человеком».',
  },
  ja: {
    sorry: '申し訳ありません。今はお答えできませんでした。もう一度お試しいただくか、担当者とお話しください。',
    human: '担当者と話す',
    handingOver: '申し訳ありません。まだお答えできません。担当者に引き継ぎを依頼しました。',
    capped: '現在、ここではこれ以上お答えできません。担当者がお手伝いします。「担当者と話す」を選んでください。',
  },
  zh: {
    sorry: '抱歉，我暂时无法回答。您可以重试，或与人工客服交谈。',
    human: '转人工客服',
    handingOver: '抱歉，我仍然无法回答。已请人工客服接手。',
    capped: '我现在无法在这里回答更多问题。工作人员可以帮助您：请选择“转人工客服”。',
  },
  ar: {
    sorry: 'عذرًا، لم أتمكن من الرد الآن. يمكنك المحاولة مرة أخرى أو التحدث إلى شخص.',
    human: 'التحدث إلى شخص',
    handingOver: 'عذرًا، ما زلت غير قادر على الرد. طلبت من شخص أن يتولى المحادثة.',
    capped: 'لا أستطيع الإجابة عن مزيد من الأسئلة هنا الآن. يمكن لشخص مساعدتك: اختر «التحدث إلى شخص».',
  },
  he: {
    sorry: 'מצטערים, לא הצלחתי לענות כרגע. אפשר לנסות שוב או לדבר עם נציג.',
    human: 'לדבר עם נציג',
    handingOver: 'מצטערים, עדיין לא הצלחתי לענות. ביקשתי מנציג להמשיך את השיחה.',
    capped: 'אינני יכול לענות על שאלות נוספות כאן כרגע. אדם יוכל לעזור: בחרו „לדבר עם נציג”.',
  },
  hi: {
    sorry: 'क्षमा करें, मैं अभी उत्तर नहीं दे सका। आप फिर से कोशिश कर सकते हैं या किसी व्यक्ति से बात कर सकते हैं।',
    human: 'किसी व्यक्ति से बात करें',
    handingOver: 'क्षमा करें, मैं अभी भी उत्तर नहीं दे पा रहा हूँ। मैंने किसी व्यक्ति से बातचीत संभालने को कहा है।',
    capped: 'मैं अभी यहाँ और सवालों के जवाब नहीं दे सकता। कोई व्यक्ति आपकी मदद कर सकता है: “किसी व्यक्ति से बात करें” चुनें।',
  },
};

function apologyIn(language: string): Apology {
  return APOLOGIES[primaryLanguage(language)] ?? APOLOGIES['en'] ?? { sorry: '', human: '', handingOver: '', capped: '' };
}

/** The apology after a failed turn, with a quick reply that asks for a person, in the visitor's language. */
export function apologyMessage(language: string): BotMessage {
  const apology = apologyIn(language);
  return { type: 'quick_replies', text: apology.sorry, payload: { replies: [apology.human] } };
}

/** The last word before a bot that keeps failing hands the conversation to a person. */
export function handingOverMessage(language: string): BotMessage {
  return { type: 'text', text: apologyIn(language).handingOver, payload: null };
}

/** What the visitor is told when the widget's cap on bot turns is reached, with the quick reply that asks for a person. */
export function turnLimitMessage(language: string): BotMessage {
  const apology = apologyIn(language);
  return { type: 'quick_replies', text: apology.capped, payload: { replies: [apology.human] } };
}

/** True for a bot message that is one of the apologies (to count failures in a row). */
export function isApology(text: string): boolean {
  return Object.values(APOLOGIES).some((apology) => apology.sorry === text);
}

/** True when the visitor's words are the apology's quick reply in any language (or one of `labels`). */
export function choseHuman(text: string, labels: readonly string[] = []): boolean {
  const said = text.trim().toLowerCase();
  return [...Object.values(APOLOGIES).map((apology) => apology.human), ...labels].some((label) => label.trim().toLowerCase() === said);
}
